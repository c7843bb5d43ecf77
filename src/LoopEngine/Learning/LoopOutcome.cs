namespace LoopEngine.Learning;

/// <summary>The recorded outcome of an ended loop, measured against its definition's outcome spec.</summary>
public sealed record LoopOutcome
{
    /// <summary>Gets the org.</summary>
    public required string OrgId { get; init; }

    /// <summary>Gets the loop id.</summary>
    public required string LoopId { get; init; }

    /// <summary>Gets the definition version the loop ran on.</summary>
    public required string DefinitionVersion { get; init; }

    /// <summary>Gets the aggregate id.</summary>
    public required string AggregateId { get; init; }

    /// <summary>Gets the loop's correlation id.</summary>
    public required string CorrelationId { get; init; }

    /// <summary>Gets the outcome id from the definition (<c>replenishment_closed</c>).</summary>
    public required string OutcomeId { get; init; }

    /// <summary>Gets the value unit from the definition (the billable unit).</summary>
    public required string ValueUnit { get; init; }

    /// <summary>Gets the status the loop ended with.</summary>
    public required LoopStatus Status { get; init; }

    /// <summary>Gets the state the loop ended in.</summary>
    public required string FinalState { get; init; }

    /// <summary>Gets when the loop opened.</summary>
    public required DateTimeOffset OpenedAt { get; init; }

    /// <summary>Gets when the loop ended.</summary>
    public required DateTimeOffset ClosedAt { get; init; }

    /// <summary>Gets when the outcome was last recorded.</summary>
    public required DateTimeOffset RecordedAt { get; init; }

    /// <summary>Gets the id of the last <c>loop.outcome.recorded</c> event for this outcome.</summary>
    public required string EventId { get; init; }

    /// <summary>Gets the business metrics, in the definition's order.</summary>
    public IReadOnlyList<MetricComparison> Metrics { get; init; } = [];

    /// <summary>Gets how long the loop ran (closed − opened).</summary>
    public TimeSpan Duration => ClosedAt - OpenedAt;

    /// <summary>Gets a metric by id.</summary>
    /// <param name="metricId">The metric id.</param>
    /// <returns>The metric, or <see langword="null"/> when the outcome does not have it.</returns>
    public MetricComparison? this[string metricId] => Metrics.FirstOrDefault(m => string.Equals(m.MetricId, metricId, StringComparison.Ordinal));
}
