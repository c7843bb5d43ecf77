namespace LoopEngine;

/// <summary>
/// The loop engine: opens loops, moves them along guarded, attributed transitions, stores recommendations for
/// approval, and records every step in an append-only, hash-chained trace and event stream.
/// </summary>
public interface ILoopEngine
{
    /// <summary>Gets a registered definition.</summary>
    /// <param name="loopId">The loop id.</param>
    /// <param name="version">The version, or <see langword="null"/> for the latest.</param>
    /// <returns>The definition.</returns>
    /// <exception cref="UnknownLoopException">No such loop or version; the message lists the registered ones.</exception>
    LoopDefinition GetDefinition(string loopId, string? version = null);

    /// <summary>Gets every registered definition (every version).</summary>
    /// <returns>The definitions.</returns>
    IReadOnlyList<LoopDefinition> GetDefinitions();

    /// <summary>Opens a loop for an aggregate: writes record 1 (<c>$start</c>) and emits <c>loop.started</c>.</summary>
    /// <param name="request">The request.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The new instance.</returns>
    /// <exception cref="UnknownLoopException">The loop or version is not registered.</exception>
    /// <exception cref="LoopAlreadyExistsException">The aggregate already has a loop in this org (also when two starts race).</exception>
    /// <exception cref="ArgumentException">An id or the evidence is invalid.</exception>
    ValueTask<LoopInstance> StartAsync(StartLoopRequest request, CancellationToken cancellationToken = default);

    /// <summary>Requests a transition.</summary>
    /// <param name="request">The request.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>Executed, pending approval, blocked, or a version conflict.</returns>
    /// <exception cref="LoopNotFoundException">The aggregate has no loop in this org.</exception>
    /// <exception cref="IdempotencyConflictException">The idempotency key was used for a different request.</exception>
    /// <exception cref="ArgumentException">An id or the evidence is invalid, or the loop id does not match.</exception>
    /// <exception cref="LoopAlreadyExistsException">The transition spawns a child loop whose aggregate already has a loop: nothing was written.</exception>
    /// <exception cref="SpawnNotAllowedException"><see cref="TransitionRequest.SpawnAggregateIds"/> names a loop the transition does not spawn.</exception>
    /// <exception cref="UnknownLoopException">The transition spawns a child loop that is not registered.</exception>
    ValueTask<TransitionResult> TransitionAsync(TransitionRequest request, CancellationToken cancellationToken = default);

    /// <summary>Approves a pending recommendation: its transition executes through the same guards, attributed to the approver and the recommender.</summary>
    /// <param name="request">The approval.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The transition's result (executed, blocked, or a conflict); approving an approved recommendation again returns its first result.</returns>
    /// <exception cref="RecommendationNotFoundException">No such recommendation in this org.</exception>
    /// <exception cref="RecommendationStateException">The recommendation is stale, expired, rejected or superseded, or the approver is not permitted.</exception>
    ValueTask<TransitionResult> ApproveAsync(ApprovalRequest request, CancellationToken cancellationToken = default);

    /// <summary>Rejects a pending recommendation: recorded and announced; the loop does not move.</summary>
    /// <param name="request">The rejection.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The rejected recommendation; rejecting it again returns it unchanged.</returns>
    /// <exception cref="RecommendationNotFoundException">No such recommendation in this org.</exception>
    /// <exception cref="RecommendationStateException">The recommendation was already approved, expired or superseded, or the actor may not decide it.</exception>
    ValueTask<Recommendation> RejectAsync(RejectionRequest request, CancellationToken cancellationToken = default);

    /// <summary>Reads an instance with its pending recommendations.</summary>
    /// <param name="aggregateId">The aggregate id.</param>
    /// <param name="orgId">The org, or <see langword="null"/> for the default.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The instance, or <see langword="null"/>.</returns>
    ValueTask<LoopInstance?> GetInstanceAsync(string aggregateId, string? orgId = null, CancellationToken cancellationToken = default);

    /// <summary>Reads an instance's whole trace.</summary>
    /// <param name="aggregateId">The aggregate id.</param>
    /// <param name="orgId">The org, or <see langword="null"/> for the default.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The records in sequence order; empty for an unknown aggregate.</returns>
    ValueTask<IReadOnlyList<TransitionRecord>> GetTraceAsync(string aggregateId, string? orgId = null, CancellationToken cancellationToken = default);

    /// <summary>Lists instances.</summary>
    /// <param name="query">Filters and page.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>A page of instances, each with its pending recommendations.</returns>
    ValueTask<Page<LoopInstance>> ListInstancesAsync(InstanceQuery query, CancellationToken cancellationToken = default);

    /// <summary>Lists recommendations (expiring due ones on read).</summary>
    /// <param name="query">Filters and page.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>A page of recommendations.</returns>
    ValueTask<Page<Recommendation>> ListRecommendationsAsync(RecommendationQuery query, CancellationToken cancellationToken = default);

    /// <summary>Cancels an open loop: appends <c>$cancel</c> and emits <c>loopengine.loop.cancelled</c>.</summary>
    /// <param name="request">The cancellation.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The cancelled instance.</returns>
    /// <exception cref="LoopNotFoundException">The aggregate has no loop.</exception>
    /// <exception cref="LoopClosedException">The loop has already ended.</exception>
    ValueTask<LoopInstance> CancelAsync(EndLoopRequest request, CancellationToken cancellationToken = default);

    /// <summary>Fails an open loop: appends <c>$fail</c> and emits <c>loop.error</c>.</summary>
    /// <param name="request">The failure, with its error code and message.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The failed instance.</returns>
    /// <exception cref="LoopNotFoundException">The aggregate has no loop.</exception>
    /// <exception cref="LoopClosedException">The loop has already ended.</exception>
    ValueTask<LoopInstance> FailAsync(EndLoopRequest request, CancellationToken cancellationToken = default);

    /// <summary>Expires pending recommendations whose time-to-live has passed (a host may schedule this; reads expire them too).</summary>
    /// <param name="orgId">The org, or <see langword="null"/> for the default.</param>
    /// <param name="cancellationToken">Cancels the sweep.</param>
    /// <returns>How many recommendations expired.</returns>
    ValueTask<int> ExpireRecommendationsAsync(string? orgId = null, CancellationToken cancellationToken = default);

    /// <summary>Verifies an instance's trace against its head, or against a head exported earlier.</summary>
    /// <param name="aggregateId">The aggregate id.</param>
    /// <param name="orgId">The org, or <see langword="null"/> for the default.</param>
    /// <param name="exportedHead">A head an auditor kept, or <see langword="null"/> for the instance's own head.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The verification result.</returns>
    ValueTask<TraceVerificationResult> VerifyTraceAsync(string aggregateId, string? orgId = null, TraceHead? exportedHead = null, CancellationToken cancellationToken = default);

    /// <summary>Reads the event stream from a position: what is stored, then, when <paramref name="follow"/> is set, live events as they commit (at least once).</summary>
    /// <param name="afterPosition">Read events after this position (0 for the start).</param>
    /// <param name="follow">Whether to keep waiting for new events.</param>
    /// <param name="cancellationToken">Ends the stream.</param>
    /// <returns>The events in position order.</returns>
    IAsyncEnumerable<LoopEvent> ReadEventsAsync(long afterPosition = 0, bool follow = false, CancellationToken cancellationToken = default);


    /// <summary>
    /// Opens a child loop as a follow-up of one parent record (a host handler reacting to the parent's event), exactly once
    /// per (parent record, child loop): a second call, or a call racing the first, returns the child the first opened. The
    /// child shares the parent record's correlation id, records <c>{parentAggregateId}#{sequence}</c> as its causation and
    /// the parent in its start evidence (<see cref="ReservedEvidence.SpawnedBy"/>), and <c>loop.spawned</c> is emitted.
    /// </summary>
    /// <param name="request">The spawn.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The child instance (new, or the one opened earlier for the same parent record and child loop).</returns>
    /// <exception cref="LoopNotFoundException">The parent aggregate has no loop.</exception>
    /// <exception cref="SpawnNotAllowedException">The parent's definition does not list the child loop in its spawnable loops.</exception>
    /// <exception cref="LoopAlreadyExistsException">The child aggregate id is taken by another loop.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The parent has no record with that sequence.</exception>
    ValueTask<LoopInstance> SpawnAsync(SpawnLoopRequest request, CancellationToken cancellationToken = default);

    /// <summary>Lists the loops a loop spawned, ordered by (opened at, aggregate id).</summary>
    /// <param name="aggregateId">The parent's aggregate id.</param>
    /// <param name="orgId">The org, or <see langword="null"/> for the default.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The children; empty when there are none.</returns>
    ValueTask<IReadOnlyList<LoopInstance>> GetChildrenAsync(string aggregateId, string? orgId = null, CancellationToken cancellationToken = default);

    /// <summary>Reads the loop that spawned a loop.</summary>
    /// <param name="aggregateId">The child's aggregate id.</param>
    /// <param name="orgId">The org, or <see langword="null"/> for the default.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The parent, or <see langword="null"/> when the loop was not spawned (or does not exist).</returns>
    ValueTask<LoopInstance?> GetParentAsync(string aggregateId, string? orgId = null, CancellationToken cancellationToken = default);

    /// <summary>Reads every loop of a correlation as trees: the loops whose parent is not in the correlation are the roots, each with the children it spawned.</summary>
    /// <param name="correlationId">The correlation id.</param>
    /// <param name="orgId">The org, or <see langword="null"/> for the default.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The roots, ordered by (opened at, aggregate id); empty for an unknown correlation.</returns>
    ValueTask<IReadOnlyList<LoopTreeNode>> GetCorrelationTreeAsync(string correlationId, string? orgId = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Moves a running loop to another version of its definition along a declared <see cref="LoopMigration"/>: appends a
    /// <c>$migrate</c> record (attributed to the actor, on the new version, with the versions and states in its evidence),
    /// emits <c>loopengine.loop.migrated</c>, supersedes pending recommendations and re-schedules the SLA timer.
    /// </summary>
    /// <param name="request">The migration request.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The migrated instance.</returns>
    /// <exception cref="LoopMigrationException">The migration is invalid, does not start from the instance's version, or does not map its state.</exception>
    /// <exception cref="LoopNotFoundException">The aggregate has no loop.</exception>
    /// <exception cref="LoopClosedException">The loop has ended.</exception>
    ValueTask<LoopInstance> MigrateAsync(MigrationRequest request, CancellationToken cancellationToken = default);
}
