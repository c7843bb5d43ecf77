namespace LoopEngine;

/// <summary>
/// What the engine remembers of a request made with an idempotency key: a hash of the canonical request, and the
/// executed record's sequence or the pending recommendation's id. Blocked results are never remembered.
/// </summary>
public sealed record IdempotencyEntry
{
    /// <summary>Gets the org.</summary>
    public required string OrgId { get; init; }

    /// <summary>Gets the aggregate id (keys are scoped to the instance).</summary>
    public required string AggregateId { get; init; }

    /// <summary>Gets the key.</summary>
    public required string Key { get; init; }

    /// <summary>Gets the SHA-256 of the canonical request, in lowercase hex.</summary>
    public required string RequestHash { get; init; }

    /// <summary>Gets the sequence of the record the request executed, or <see langword="null"/>.</summary>
    public long? Sequence { get; init; }

    /// <summary>Gets the id of the recommendation the request created, or <see langword="null"/>.</summary>
    public string? RecommendationId { get; init; }

    /// <summary>Gets when the entry was written.</summary>
    public required DateTimeOffset CreatedAt { get; init; }
}
