namespace LoopEngine.Metrics;

/// <summary>Approval latency and approval and override rates, by recommender and by transition, from the store's recommendations.</summary>
/// <param name="ByRecommender">One row per recommender actor id, ordered by id.</param>
/// <param name="ByTransition">One row per transition id, ordered by id.</param>
public sealed record ApprovalMeasures(IReadOnlyList<ApprovalBreakdown> ByRecommender, IReadOnlyList<ApprovalBreakdown> ByTransition)
{
    /// <summary>Computes the measures over recommendations made in a window (creation time in [from, to)).</summary>
    /// <param name="store">The store.</param>
    /// <param name="orgId">The org.</param>
    /// <param name="loopId">The loop, or <see langword="null"/> for all loops.</param>
    /// <param name="from">The window's inclusive start.</param>
    /// <param name="to">The window's exclusive end.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The measures.</returns>
    /// <exception cref="ArgumentException"><paramref name="from"/> is not before <paramref name="to"/>.</exception>
    public static async ValueTask<ApprovalMeasures> ComputeAsync(ILoopStore store, string orgId, string? loopId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (from >= to)
        {
            throw new ArgumentException($"The window start {from:O} must be before its end {to:O}.", nameof(from));
        }

        var recommendations = new List<Recommendation>();
        string? token = null;
        do
        {
            var page = await store.QueryRecommendationsAsync(
                new RecommendationQuery { OrgId = orgId, LoopId = loopId, CreatedBefore = to, PageSize = InstanceQuery.MaxPageSize, ContinuationToken = token },
                cancellationToken).ConfigureAwait(false);
            foreach (var recommendation in page.Items)
            {
                if (recommendation.CreatedAt >= from)
                {
                    recommendations.Add(recommendation);
                }
            }

            token = page.ContinuationToken;
        }
        while (token is not null);

        return new ApprovalMeasures(Breakdown(recommendations, r => r.Recommender.Id), Breakdown(recommendations, r => r.TransitionId));
    }

    private static List<ApprovalBreakdown> Breakdown(List<Recommendation> recommendations, Func<Recommendation, string> key) =>
        recommendations
            .GroupBy(key, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g =>
            {
                var approved = g.Where(r => r.Status == RecommendationStatus.Approved && r.DecidedAt is not null).ToList();
                return new ApprovalBreakdown(
                    g.Key,
                    g.Count(),
                    approved.Count,
                    g.Count(r => r.Status == RecommendationStatus.Rejected),
                    g.Count(r => r.Status == RecommendationStatus.Expired),
                    g.Count(r => r.Status == RecommendationStatus.Superseded),
                    g.Count(r => r.Status == RecommendationStatus.Pending),
                    approved.Count == 0 ? null : TimeSpan.FromTicks((long)approved.Average(r => (r.DecidedAt!.Value - r.CreatedAt).Ticks)));
            })
            .ToList();
}
