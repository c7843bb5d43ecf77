namespace LoopEngine.Metrics;

/// <summary>A count for one period.</summary>
/// <param name="Start">The period's start (UTC midnight for days).</param>
/// <param name="Count">The count.</param>
public sealed record PeriodCount(DateTimeOffset Start, long Count);
