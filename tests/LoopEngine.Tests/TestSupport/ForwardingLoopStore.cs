namespace LoopEngine.Tests.TestSupport;

/// <summary>
/// An <see cref="ILoopStore"/> (deliberately not an <see cref="ITimerStore"/>) that forwards every call to another store;
/// tests derive from it to observe or alter one call.
/// </summary>
/// <param name="inner">The store calls go to.</param>
internal class ForwardingLoopStore(ILoopStore inner) : ILoopStore
{
    /// <summary>Gets the store calls go to.</summary>
    protected ILoopStore Inner { get; } = inner;

    public virtual ValueTask<CommitResult> CommitAsync(StoreCommit commit, CancellationToken cancellationToken = default) => Inner.CommitAsync(commit, cancellationToken);

    public virtual ValueTask<LoopInstance?> GetInstanceAsync(string orgId, string aggregateId, CancellationToken cancellationToken = default) => Inner.GetInstanceAsync(orgId, aggregateId, cancellationToken);

    public virtual ValueTask<IReadOnlyList<TransitionRecord>> ReadTraceAsync(string orgId, string aggregateId, long fromSequence = 1, int maxCount = int.MaxValue, CancellationToken cancellationToken = default) => Inner.ReadTraceAsync(orgId, aggregateId, fromSequence, maxCount, cancellationToken);

    public virtual ValueTask<Page<LoopInstance>> QueryInstancesAsync(InstanceQuery query, CancellationToken cancellationToken = default) => Inner.QueryInstancesAsync(query, cancellationToken);

    public virtual ValueTask<IReadOnlyList<LoopEvent>> ReadEventsAsync(long afterPosition, int maxCount, CancellationToken cancellationToken = default) => Inner.ReadEventsAsync(afterPosition, maxCount, cancellationToken);

    public virtual ValueTask WaitForEventsAsync(long afterPosition, TimeSpan timeout, CancellationToken cancellationToken = default) => Inner.WaitForEventsAsync(afterPosition, timeout, cancellationToken);

    public virtual ValueTask<long?> GetCheckpointAsync(string subscriberName, CancellationToken cancellationToken = default) => Inner.GetCheckpointAsync(subscriberName, cancellationToken);

    public virtual ValueTask SetCheckpointAsync(string subscriberName, long position, CancellationToken cancellationToken = default) => Inner.SetCheckpointAsync(subscriberName, position, cancellationToken);

    public virtual ValueTask<IdempotencyEntry?> GetIdempotencyEntryAsync(string orgId, string aggregateId, string key, CancellationToken cancellationToken = default) => Inner.GetIdempotencyEntryAsync(orgId, aggregateId, key, cancellationToken);

    public virtual ValueTask<Recommendation?> GetRecommendationAsync(string orgId, string recommendationId, CancellationToken cancellationToken = default) => Inner.GetRecommendationAsync(orgId, recommendationId, cancellationToken);

    public virtual ValueTask<Page<Recommendation>> QueryRecommendationsAsync(RecommendationQuery query, CancellationToken cancellationToken = default) => Inner.QueryRecommendationsAsync(query, cancellationToken);

    public virtual ValueTask<long> NextSequenceValueAsync(string orgId, string sequenceName, CancellationToken cancellationToken = default) => Inner.NextSequenceValueAsync(orgId, sequenceName, cancellationToken);

    public virtual ValueTask SeedSequenceAsync(string orgId, string sequenceName, long nextValue, CancellationToken cancellationToken = default) => Inner.SeedSequenceAsync(orgId, sequenceName, nextValue, cancellationToken);
}
