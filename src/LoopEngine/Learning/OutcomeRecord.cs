namespace LoopEngine.Learning;

/// <summary>
/// A host's report of an ended loop's outcome: predicted and actual values per business metric. Recording again for
/// the same loop (when late actuals arrive) merges by metric id; the newer values win.
/// </summary>
public sealed record OutcomeRecord
{
    /// <summary>Gets the aggregate id of the ended loop.</summary>
    public required string AggregateId { get; init; }

    /// <summary>Gets the org, or <see langword="null"/> for <see cref="LearningOptions.DefaultOrgId"/>.</summary>
    public string? OrgId { get; init; }

    /// <summary>Gets the metric values.</summary>
    public IReadOnlyList<OutcomeMetricValue> Metrics { get; init; } = [];

    /// <summary>Gets the causation id of the outcome event (the host's message id), or <see langword="null"/>.</summary>
    public string? CausationId { get; init; }
}
