namespace LoopEngine.Signals;

/// <summary>A row of the live view of recent signals: type, subject, confidence and age (<c>DEMAND_SPIKE BRS-001 conf: 0.84 2 min ago</c>).</summary>
/// <param name="SignalId">The signal's id.</param>
/// <param name="Type">The signal type.</param>
/// <param name="Subject">The subject as text.</param>
/// <param name="Confidence">The confidence.</param>
/// <param name="Age">The time since it was detected.</param>
/// <param name="AggregateId">The loop it triggered or joined, or <see langword="null"/>.</param>
public sealed record LiveSignal(string SignalId, string Type, string Subject, double Confidence, TimeSpan Age, string? AggregateId);
