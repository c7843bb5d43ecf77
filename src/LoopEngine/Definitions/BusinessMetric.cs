namespace LoopEngine;

/// <summary>A business metric of a loop's outcome.</summary>
public sealed record BusinessMetric
{
    /// <summary>Creates a business metric.</summary>
    /// <param name="id">The metric id (lower snake case, unique in the outcome).</param>
    /// <param name="label">A human-readable label.</param>
    /// <param name="unit">The unit (<c>days</c>, <c>units</c>, <c>boolean</c>...).</param>
    /// <param name="improvableByAi">Whether AI can improve the metric.</param>
    public BusinessMetric(string id, string label, string unit, bool improvableByAi)
    {
        Id = id;
        Label = label;
        Unit = unit;
        ImprovableByAi = improvableByAi;
    }

    /// <summary>Gets the metric id.</summary>
    public string Id { get; init; }

    /// <summary>Gets the label.</summary>
    public string Label { get; init; }

    /// <summary>Gets the unit.</summary>
    public string Unit { get; init; }

    /// <summary>Gets a value indicating whether AI can improve the metric (the reference's <c>improvableByAI</c>).</summary>
    public bool ImprovableByAi { get; init; }

    /// <summary>Gets the metric's kind, from <c>metadata.loopengine.outcome.metrics</c>; <see langword="null"/> when not declared.</summary>
    public OutcomeMetricKind? Kind { get; init; }

    /// <summary>
    /// Gets the estimate key template this metric's actual value updates (<c>supplier_lead_time:{evidence.supplier}</c>),
    /// or <see langword="null"/>.
    /// </summary>
    public string? Updates { get; init; }

    /// <summary>Gets the unit declared under <c>metadata.loopengine.outcome.metrics</c>, or <see langword="null"/> to use <see cref="Unit"/>.</summary>
    public string? KindUnit { get; init; }
}
