namespace LoopEngine.Metrics;

/// <summary>Recommendation measures for one recommender or one transition.</summary>
/// <param name="Key">The recommender's actor id, or the transition id.</param>
/// <param name="Created">Recommendations made.</param>
/// <param name="Approved">Approved (their transition executed).</param>
/// <param name="Rejected">Rejected: the human overrode the recommendation.</param>
/// <param name="Expired">Expired before anyone decided.</param>
/// <param name="Superseded">Superseded because the loop moved on.</param>
/// <param name="Pending">Still pending.</param>
/// <param name="AverageApprovalLatency">Mean time from recommendation to approval, or <see langword="null"/> when none was approved.</param>
public sealed record ApprovalBreakdown(string Key, int Created, int Approved, int Rejected, int Expired, int Superseded, int Pending, TimeSpan? AverageApprovalLatency)
{
    /// <summary>Gets approved ÷ (approved + rejected), or <see langword="null"/> when none was decided by a person.</summary>
    public double? ApprovalRate => Approved + Rejected == 0 ? null : (double)Approved / (Approved + Rejected);

    /// <summary>Gets rejected ÷ (approved + rejected), or <see langword="null"/> when none was decided by a person.</summary>
    public double? OverrideRate => Approved + Rejected == 0 ? null : (double)Rejected / (Approved + Rejected);
}
