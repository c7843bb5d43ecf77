namespace LoopEngine;

/// <summary>The result of <see cref="ILoopStore.CommitAsync"/>.</summary>
/// <param name="Outcome">What happened.</param>
/// <param name="EventPositions">The positions assigned to the commit's events, in order; empty unless committed.</param>
/// <param name="ConflictAggregateId">The aggregate whose check failed, or <see langword="null"/>.</param>
/// <param name="ActualVersion">The stored version found for that aggregate (0 when it does not exist), or <see langword="null"/>.</param>
public sealed record CommitResult(CommitOutcome Outcome, IReadOnlyList<long> EventPositions, string? ConflictAggregateId = null, long? ActualVersion = null)
{
    /// <summary>Gets a value indicating whether the commit was written.</summary>
    public bool IsCommitted => Outcome == CommitOutcome.Committed;

    /// <summary>Creates a committed result.</summary>
    /// <param name="positions">The event positions.</param>
    /// <returns>The result.</returns>
    public static CommitResult Committed(IReadOnlyList<long> positions) => new(CommitOutcome.Committed, positions);

    /// <summary>Creates a version conflict.</summary>
    /// <param name="aggregateId">The aggregate.</param>
    /// <param name="actualVersion">The stored version.</param>
    /// <returns>The result.</returns>
    public static CommitResult Conflict(string aggregateId, long actualVersion) => new(CommitOutcome.VersionConflict, [], aggregateId, actualVersion);

    /// <summary>Creates an already-exists result.</summary>
    /// <param name="aggregateId">The aggregate.</param>
    /// <param name="actualVersion">The stored version.</param>
    /// <returns>The result.</returns>
    public static CommitResult Exists(string aggregateId, long actualVersion) => new(CommitOutcome.AlreadyExists, [], aggregateId, actualVersion);

    /// <summary>Creates an idempotency-key-exists result.</summary>
    /// <param name="aggregateId">The aggregate.</param>
    /// <returns>The result.</returns>
    public static CommitResult KeyExists(string aggregateId) => new(CommitOutcome.IdempotencyKeyExists, [], aggregateId);
}
