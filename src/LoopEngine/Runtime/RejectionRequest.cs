namespace LoopEngine;

/// <summary>A rejection of a pending recommendation.</summary>
public sealed record RejectionRequest
{
    /// <summary>Gets the recommendation id.</summary>
    public required string RecommendationId { get; init; }

    /// <summary>Gets who rejects it, as the host authenticated them.</summary>
    public required Actor Actor { get; init; }

    /// <summary>Gets the reason.</summary>
    public required string Reason { get; init; }

    /// <summary>Gets the org, or <see langword="null"/> for the default.</summary>
    public string? OrgId { get; init; }
}
