namespace LoopEngine;

/// <summary>A request to move a loop along one of its transitions.</summary>
public sealed record TransitionRequest
{
    /// <summary>Gets the aggregate id.</summary>
    public required string AggregateId { get; init; }

    /// <summary>Gets the transition id.</summary>
    public required string TransitionId { get; init; }

    /// <summary>Gets the actor, as the host authenticated it (never taken from a payload).</summary>
    public required Actor Actor { get; init; }

    /// <summary>Gets the evidence, or <see langword="null"/> for <c>{}</c>.</summary>
    public Evidence? Evidence { get; init; }

    /// <summary>Gets the org, or <see langword="null"/> for <see cref="LoopEngineOptions.DefaultOrgId"/>.</summary>
    public string? OrgId { get; init; }

    /// <summary>Gets the loop id the caller expects the aggregate to run, or <see langword="null"/> to skip the check.</summary>
    public string? LoopId { get; init; }

    /// <summary>Gets the correlation id, or <see langword="null"/> for the instance's.</summary>
    public string? CorrelationId { get; init; }

    /// <summary>Gets the causation id, or <see langword="null"/>.</summary>
    public string? CausationId { get; init; }

    /// <summary>Gets the idempotency key, or <see langword="null"/>. Scoped to the instance.</summary>
    public string? IdempotencyKey { get; init; }

    /// <summary>Gets the version the caller read, or <see langword="null"/> to apply to the current version.</summary>
    public long? ExpectedVersion { get; init; }

    /// <summary>Gets the reasoning of a recommender (kept with a recommendation), or <see langword="null"/>.</summary>
    public string? Reasoning { get; init; }

    /// <summary>
    /// Gets the aggregate ids of the child loops the transition spawns, by child loop id, or <see langword="null"/> to take
    /// each from its loop's aggregate id pattern (<see cref="LoopEngineOptions.SpawnAggregateIdPatterns"/>). Naming a loop the
    /// transition does not spawn throws <see cref="SpawnNotAllowedException"/>. Used only when the transition executes
    /// directly (an approved recommendation's children take pattern ids).
    /// </summary>
    public IReadOnlyDictionary<string, string>? SpawnAggregateIds { get; init; }
}
