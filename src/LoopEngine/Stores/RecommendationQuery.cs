using System.ComponentModel.DataAnnotations;

namespace LoopEngine;

/// <summary>Filters and a page for listing recommendations. Results are ordered by (created at, id).</summary>
public sealed record RecommendationQuery
{
    /// <summary>Gets the org; required.</summary>
    public required string OrgId { get; init; }

    /// <summary>Gets the loop id to match, or <see langword="null"/>.</summary>
    public string? LoopId { get; init; }

    /// <summary>Gets the aggregate id to match, or <see langword="null"/>.</summary>
    public string? AggregateId { get; init; }

    /// <summary>Gets the transition id to match, or <see langword="null"/>.</summary>
    public string? TransitionId { get; init; }

    /// <summary>Gets the recommender's actor id to match, or <see langword="null"/>.</summary>
    public string? RecommenderId { get; init; }

    /// <summary>Gets the statuses to match, or <see langword="null"/> for all.</summary>
    public IReadOnlyList<RecommendationStatus>? Statuses { get; init; }

    /// <summary>Gets the exclusive upper bound of the creation time (recommendations older than this), or <see langword="null"/>.</summary>
    public DateTimeOffset? CreatedBefore { get; init; }

    /// <summary>Gets the page size, 1 to 1000. The default is 100.</summary>
    [Range(1, InstanceQuery.MaxPageSize)]
    public int PageSize { get; init; } = 100;

    /// <summary>Gets the continuation token from the previous page, or <see langword="null"/>.</summary>
    public string? ContinuationToken { get; init; }
}
