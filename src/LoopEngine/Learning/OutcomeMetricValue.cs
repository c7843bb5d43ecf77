namespace LoopEngine.Learning;

/// <summary>The predicted and actual value of one business metric, as a host reports it.</summary>
/// <param name="MetricId">The business metric id, one of the definition's outcome metrics.</param>
/// <param name="Predicted">The value the loop planned with, or <see langword="null"/> when none.</param>
/// <param name="Actual">The value that happened, or <see langword="null"/> when not yet known.</param>
public sealed record OutcomeMetricValue(string MetricId, OutcomeValue? Predicted, OutcomeValue? Actual);
