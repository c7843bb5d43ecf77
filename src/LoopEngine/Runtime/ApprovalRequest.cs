namespace LoopEngine;

/// <summary>An approval of a pending recommendation.</summary>
public sealed record ApprovalRequest
{
    /// <summary>Gets the recommendation id.</summary>
    public required string RecommendationId { get; init; }

    /// <summary>Gets the approver, as the host authenticated them.</summary>
    public required Actor Approver { get; init; }

    /// <summary>Gets the approver's evidence (<c>{ approved: true, method: "3-way-match" }</c>), or <see langword="null"/> for <c>{}</c>.</summary>
    public Evidence? Evidence { get; init; }

    /// <summary>Gets the org, or <see langword="null"/> for the default.</summary>
    public string? OrgId { get; init; }

    /// <summary>Gets the aggregate the approver expects the recommendation to belong to, or <see langword="null"/> to skip the check.</summary>
    public string? AggregateId { get; init; }
}
