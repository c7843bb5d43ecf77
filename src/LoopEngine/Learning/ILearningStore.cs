namespace LoopEngine.Learning;

/// <summary>
/// Where outcomes and estimates live. Every implementation passes the shared conformance suite
/// (<c>LearningStoreConformanceTests</c>): reads return what was written, outcomes are upserted by (org, aggregate id),
/// and an estimate is written only when its stored version equals the expected version (0 meaning it must not exist),
/// so concurrent updates of one estimate never lose an observation.
/// </summary>
public interface ILearningStore
{
    /// <summary>Inserts or replaces a loop's outcome (by org and aggregate id).</summary>
    /// <param name="outcome">The outcome.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the outcome is durable.</returns>
    ValueTask SaveOutcomeAsync(LoopOutcome outcome, CancellationToken cancellationToken = default);

    /// <summary>Reads a loop's outcome.</summary>
    /// <param name="orgId">The org.</param>
    /// <param name="aggregateId">The aggregate id.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The outcome, or <see langword="null"/>.</returns>
    ValueTask<LoopOutcome?> GetOutcomeAsync(string orgId, string aggregateId, CancellationToken cancellationToken = default);

    /// <summary>Reads an estimate.</summary>
    /// <param name="orgId">The org.</param>
    /// <param name="key">The key.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The estimate, or <see langword="null"/>.</returns>
    ValueTask<Estimate?> GetEstimateAsync(string orgId, string key, CancellationToken cancellationToken = default);

    /// <summary>Writes an estimate if the stored version equals <paramref name="expectedVersion"/> (0: it must not exist).</summary>
    /// <param name="estimate">The estimate, with its new version.</param>
    /// <param name="expectedVersion">The version the caller read.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns><see langword="true"/> when written; <see langword="false"/> when the version did not match (nothing written).</returns>
    ValueTask<bool> TrySaveEstimateAsync(Estimate estimate, long expectedVersion, CancellationToken cancellationToken = default);
}
