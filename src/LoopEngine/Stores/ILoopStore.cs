namespace LoopEngine;

/// <summary>
/// Where loop instances, their traces, events, recommendations and idempotency entries live. Every store keeps the
/// invariants of the engine: a commit is atomic (all of it or none), checks each instance's expected version in the
/// same operation as its write (so concurrent writers on one aggregate serialize and never lose or duplicate a record),
/// never updates or deletes a trace record, and numbers events with a global position, consecutive within a commit, that
/// readers follow in order without skipping a lower position that commits later. (A store may leave unused the numbers a
/// rolled-back commit had taken: PostgreSQL's sequences do.)
/// </summary>
/// <remarks>
/// Every store passes the shared conformance suite (<c>LoopStoreConformanceTests</c>). Reads never hand out a store's
/// internal collections. All ids are compared ordinally and stored verbatim.
/// </remarks>
public interface ILoopStore
{
    /// <summary>Reads an instance.</summary>
    /// <param name="orgId">The org.</param>
    /// <param name="aggregateId">The aggregate id.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The instance, or <see langword="null"/> when none exists in that org.</returns>
    ValueTask<LoopInstance?> GetInstanceAsync(string orgId, string aggregateId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Atomically applies a commit: writes each instance if its stored version equals the expected version (0 meaning it
    /// must not exist) and, when the write names one, its stored pending recommendation count equals
    /// <see cref="InstanceWrite.ExpectedPendingRecommendationCount"/> (a version conflict otherwise), appends the trace records, appends the events (assigning positions in order), upserts the
    /// recommendations and inserts the idempotency entry. If any check fails nothing is written.
    /// </summary>
    /// <param name="commit">What to write.</param>
    /// <param name="cancellationToken">Cancels the commit before it is applied.</param>
    /// <returns>The positions assigned to the events, or why nothing was written.</returns>
    ValueTask<CommitResult> CommitAsync(StoreCommit commit, CancellationToken cancellationToken = default);

    /// <summary>Reads a trace in sequence order.</summary>
    /// <param name="orgId">The org.</param>
    /// <param name="aggregateId">The aggregate id.</param>
    /// <param name="fromSequence">The first sequence to read.</param>
    /// <param name="maxCount">The most records to read.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The records; empty for an unknown aggregate.</returns>
    ValueTask<IReadOnlyList<TransitionRecord>> ReadTraceAsync(string orgId, string aggregateId, long fromSequence = 1, int maxCount = int.MaxValue, CancellationToken cancellationToken = default);

    /// <summary>Lists instances matching a query, ordered by (opened at, aggregate id), paged.</summary>
    /// <param name="query">The filters and page.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>A page of instances.</returns>
    ValueTask<Page<LoopInstance>> QueryInstancesAsync(InstanceQuery query, CancellationToken cancellationToken = default);

    /// <summary>Reads events after a position, in position order, across all orgs.</summary>
    /// <param name="afterPosition">Read events whose position is greater than this (0 reads from the start).</param>
    /// <param name="maxCount">The most events to read.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The events. A store never returns an event while a lower position may still commit.</returns>
    ValueTask<IReadOnlyList<LoopEvent>> ReadEventsAsync(long afterPosition, int maxCount, CancellationToken cancellationToken = default);

    /// <summary>Waits until events after a position may be available, or the timeout passes. Returns early when they are.</summary>
    /// <param name="afterPosition">The position the caller has read up to.</param>
    /// <param name="timeout">The longest wait.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when new events may be readable.</returns>
    ValueTask WaitForEventsAsync(long afterPosition, TimeSpan timeout, CancellationToken cancellationToken = default);

    /// <summary>Reads a named subscriber's durable checkpoint.</summary>
    /// <param name="subscriberName">The subscriber's name.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The last position the subscriber handled, or <see langword="null"/>.</returns>
    ValueTask<long?> GetCheckpointAsync(string subscriberName, CancellationToken cancellationToken = default);

    /// <summary>Stores a named subscriber's checkpoint.</summary>
    /// <param name="subscriberName">The subscriber's name.</param>
    /// <param name="position">The last position it handled.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the checkpoint is durable.</returns>
    ValueTask SetCheckpointAsync(string subscriberName, long position, CancellationToken cancellationToken = default);

    /// <summary>Reads an idempotency entry.</summary>
    /// <param name="orgId">The org.</param>
    /// <param name="aggregateId">The aggregate id (keys are scoped to the instance).</param>
    /// <param name="key">The idempotency key.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The entry, or <see langword="null"/>.</returns>
    ValueTask<IdempotencyEntry?> GetIdempotencyEntryAsync(string orgId, string aggregateId, string key, CancellationToken cancellationToken = default);

    /// <summary>Reads a recommendation.</summary>
    /// <param name="orgId">The org.</param>
    /// <param name="recommendationId">The recommendation id.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The recommendation, or <see langword="null"/> when none exists in that org.</returns>
    ValueTask<Recommendation?> GetRecommendationAsync(string orgId, string recommendationId, CancellationToken cancellationToken = default);

    /// <summary>Lists recommendations matching a query, ordered by (created at, id), paged.</summary>
    /// <param name="query">The filters and page.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>A page of recommendations.</returns>
    ValueTask<Page<Recommendation>> QueryRecommendationsAsync(RecommendationQuery query, CancellationToken cancellationToken = default);

    /// <summary>Durably takes the next value of a named sequence (for aggregate id patterns such as <c>PO-{yyyy}-{seq:0000}</c>).</summary>
    /// <param name="orgId">The org.</param>
    /// <param name="sequenceName">The sequence's name.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The next value: 1 for a new sequence unless it was seeded, and never the same value twice.</returns>
    ValueTask<long> NextSequenceValueAsync(string orgId, string sequenceName, CancellationToken cancellationToken = default);

    /// <summary>Seeds a named sequence so that its next value is at least <paramref name="nextValue"/>.</summary>
    /// <param name="orgId">The org.</param>
    /// <param name="sequenceName">The sequence's name.</param>
    /// <param name="nextValue">The smallest next value.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the seed is durable.</returns>
    ValueTask SeedSequenceAsync(string orgId, string sequenceName, long nextValue, CancellationToken cancellationToken = default);
}
