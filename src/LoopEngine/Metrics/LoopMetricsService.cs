namespace LoopEngine.Metrics;

/// <summary>
/// Computes metrics from the store: follows its event stream from the last position it applied (catch-up on each call),
/// and reads each ended loop's instance, trace and recommendations once (the recommendations only when the loop had a
/// recommendation event, or began before what the projection saw), into a <see cref="MetricsProjection"/>.
/// </summary>
internal sealed class LoopMetricsService : ILoopMetricsService, IDisposable
{
    private const int BatchSize = 1024;
    private static readonly RecommendationStatus[] Decided = [RecommendationStatus.Approved, RecommendationStatus.Rejected];
    private readonly ILoopStore _store;
    private readonly SemaphoreSlim _gate = new(1, 1);

    public LoopMetricsService(ILoopStore store, MetricsProjection? projection = null)
    {
        _store = store ?? throw new ArgumentNullException(nameof(store));
        Projection = projection ?? new MetricsProjection();
    }

    public MetricsProjection Projection { get; }

    public async ValueTask<LoopMetrics> ComputeAsync(string orgId, string loopId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(orgId);
        ArgumentException.ThrowIfNullOrEmpty(loopId);
        if (to < from)
        {
            throw new ArgumentOutOfRangeException(nameof(to), to, $"The window's end {to:O} is before its start {from:O}.");
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await CatchUpAsync(cancellationToken).ConfigureAwait(false);
            return Projection.Compute(orgId, loopId, from, to);
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    private async ValueTask CatchUpAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var events = await _store.ReadEventsAsync(Projection.Position, BatchSize, cancellationToken).ConfigureAwait(false);
            foreach (var e in events)
            {
                if (Projection.Apply(e)
                    && await _store.GetInstanceAsync(e.OrgId, e.AggregateId, cancellationToken).ConfigureAwait(false) is { IsEnded: true } instance)
                {
                    var trace = await _store.ReadTraceAsync(e.OrgId, e.AggregateId, cancellationToken: cancellationToken).ConfigureAwait(false);
                    var recommendations = Projection.MayHaveRecommendations(e.OrgId, e.AggregateId)
                        ? await ReadRecommendationsAsync(e.OrgId, e.AggregateId, cancellationToken).ConfigureAwait(false)
                        : [];
                    Projection.AddEnded(instance, trace, recommendations);
                }
            }

            if (events.Count < BatchSize)
            {
                return;
            }
        }
    }

    private async ValueTask<List<Recommendation>> ReadRecommendationsAsync(string orgId, string aggregateId, CancellationToken cancellationToken)
    {
        var all = new List<Recommendation>();
        string? token = null;
        do
        {
            var page = await _store.QueryRecommendationsAsync(
                new RecommendationQuery { OrgId = orgId, AggregateId = aggregateId, Statuses = Decided, PageSize = InstanceQuery.MaxPageSize, ContinuationToken = token },
                cancellationToken).ConfigureAwait(false);
            all.AddRange(page.Items);
            token = page.ContinuationToken;
        }
        while (token is not null);
        return all;
    }
}
