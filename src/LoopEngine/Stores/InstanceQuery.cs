using System.ComponentModel.DataAnnotations;

namespace LoopEngine;

/// <summary>Filters and a page for listing loop instances. Results are ordered by (opened at, aggregate id).</summary>
public sealed record InstanceQuery
{
    /// <summary>The largest page size.</summary>
    public const int MaxPageSize = 1000;

    /// <summary>Gets the org; required.</summary>
    public required string OrgId { get; init; }

    /// <summary>Gets the loop id to match, or <see langword="null"/> for all.</summary>
    public string? LoopId { get; init; }

    /// <summary>Gets the definition version to match, or <see langword="null"/> for all.</summary>
    public string? DefinitionVersion { get; init; }

    /// <summary>Gets the statuses to match, or <see langword="null"/> for all.</summary>
    public IReadOnlyList<LoopStatus>? Statuses { get; init; }

    /// <summary>Gets the current state to match, or <see langword="null"/> for all.</summary>
    public string? State { get; init; }

    /// <summary>Gets the correlation id to match, or <see langword="null"/> for all.</summary>
    public string? CorrelationId { get; init; }

    /// <summary>Gets the parent aggregate to match (children of a loop), or <see langword="null"/> for all.</summary>
    public string? ParentAggregateId { get; init; }

    /// <summary>Gets the inclusive lower bound of the opened time, or <see langword="null"/>.</summary>
    public DateTimeOffset? OpenedFrom { get; init; }

    /// <summary>Gets the exclusive upper bound of the opened time, or <see langword="null"/>.</summary>
    public DateTimeOffset? OpenedTo { get; init; }

    /// <summary>Gets the inclusive lower bound of the closed time, or <see langword="null"/>.</summary>
    public DateTimeOffset? ClosedFrom { get; init; }

    /// <summary>Gets the exclusive upper bound of the closed time, or <see langword="null"/>.</summary>
    public DateTimeOffset? ClosedTo { get; init; }

    /// <summary>Gets the page size, 1 to <see cref="MaxPageSize"/>. The default is 100.</summary>
    [Range(1, MaxPageSize)]
    public int PageSize { get; init; } = 100;

    /// <summary>Gets the continuation token from the previous page, or <see langword="null"/> for the first page.</summary>
    public string? ContinuationToken { get; init; }
}
