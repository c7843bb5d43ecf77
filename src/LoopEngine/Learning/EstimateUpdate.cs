namespace LoopEngine.Learning;

/// <summary>One change of an estimate caused by an outcome (also emitted as <c>loopengine.estimate.updated</c>).</summary>
/// <param name="Key">The estimate key.</param>
/// <param name="MetricId">The business metric whose actual value was observed.</param>
/// <param name="OldValue">The value before, or <see langword="null"/> when the estimate was created.</param>
/// <param name="NewValue">The value after.</param>
/// <param name="Observation">The observed actual value, in the estimate's unit.</param>
/// <param name="Estimate">The estimate after the update.</param>
/// <param name="EventId">The id of the <c>loopengine.estimate.updated</c> event.</param>
public sealed record EstimateUpdate(string Key, string MetricId, double? OldValue, double NewValue, double Observation, Estimate Estimate, string EventId);
