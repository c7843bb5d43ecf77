namespace LoopEngine;

/// <summary>
/// A stored request, by an actor that may only recommend, for a transition that needs approval: "awaiting human
/// approval". A permitted approver approves it (the transition executes, attributed to both) or rejects it.
/// </summary>
public sealed record Recommendation
{
    /// <summary>Gets the recommendation id.</summary>
    public required string Id { get; init; }

    /// <summary>Gets the org.</summary>
    public required string OrgId { get; init; }

    /// <summary>Gets the loop id.</summary>
    public required string LoopId { get; init; }

    /// <summary>Gets the aggregate id.</summary>
    public required string AggregateId { get; init; }

    /// <summary>Gets the recommended transition.</summary>
    public required string TransitionId { get; init; }

    /// <summary>Gets the state the recommendation was made in.</summary>
    public required string FromState { get; init; }

    /// <summary>Gets the instance version the recommendation was made against.</summary>
    public required long InstanceVersion { get; init; }

    /// <summary>Gets the recommender (with an agent's model, provider and confidence).</summary>
    public required Actor Recommender { get; init; }

    /// <summary>Gets the recommender's evidence.</summary>
    public required Evidence Evidence { get; init; }

    /// <summary>Gets the recommender's reasoning, or <see langword="null"/>.</summary>
    public string? Reasoning { get; init; }

    /// <summary>Gets the correlation id.</summary>
    public required string CorrelationId { get; init; }

    /// <summary>Gets when it was made.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Gets when it expires.</summary>
    public required DateTimeOffset ExpiresAt { get; init; }

    /// <summary>Gets its status.</summary>
    public required RecommendationStatus Status { get; init; }

    /// <summary>Gets when it was approved, rejected, expired or superseded; otherwise <see langword="null"/>.</summary>
    public DateTimeOffset? DecidedAt { get; init; }

    /// <summary>Gets who approved or rejected it, or <see langword="null"/>.</summary>
    public Actor? DecidedBy { get; init; }

    /// <summary>Gets the rejection reason, or <see langword="null"/>.</summary>
    public string? DecisionReason { get; init; }

    /// <summary>Gets the sequence of the trace record its approval wrote, or <see langword="null"/>.</summary>
    public long? ExecutedSequence { get; init; }
}
