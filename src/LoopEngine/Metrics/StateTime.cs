namespace LoopEngine.Metrics;

/// <summary>Time spent in one state: each visit lasts from the record entering it to the record leaving it.</summary>
/// <param name="Visits">The visits that ended (the state was left).</param>
/// <param name="Total">The total time of those visits.</param>
public sealed record StateTime(long Visits, TimeSpan Total)
{
    /// <summary>Gets the average visit.</summary>
    public TimeSpan Average => Visits == 0 ? TimeSpan.Zero : Total / Visits;
}
