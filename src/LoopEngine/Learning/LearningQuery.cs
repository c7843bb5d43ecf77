namespace LoopEngine.Learning;

/// <summary>Which ended loops to export as learning records.</summary>
public sealed record LearningQuery
{
    /// <summary>Gets the org.</summary>
    public required string OrgId { get; init; }

    /// <summary>Gets the loop id, or <see langword="null"/> for every loop.</summary>
    public string? LoopId { get; init; }

    /// <summary>Gets one aggregate id, or <see langword="null"/> for every aggregate.</summary>
    public string? AggregateId { get; init; }

    /// <summary>Gets the earliest end time (inclusive), or <see langword="null"/>.</summary>
    public DateTimeOffset? ClosedFrom { get; init; }

    /// <summary>Gets the latest end time (exclusive), or <see langword="null"/>.</summary>
    public DateTimeOffset? ClosedTo { get; init; }

    /// <summary>Gets a value indicating whether loops without a recorded outcome are exported too.</summary>
    /// <value>The default is <see langword="true"/>.</value>
    public bool IncludeWithoutOutcome { get; init; } = true;
}
