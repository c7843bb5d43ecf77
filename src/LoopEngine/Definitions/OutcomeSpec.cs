namespace LoopEngine;

/// <summary>What a loop produces when it closes, and the business metrics measured against it.</summary>
public sealed record OutcomeSpec
{
    /// <summary>Creates an outcome spec.</summary>
    /// <param name="id">The outcome id (<c>po_closed</c>).</param>
    /// <param name="description">What the outcome is.</param>
    /// <param name="valueUnit">The unit of value a completion counts as (the billable unit).</param>
    /// <param name="measurable">Whether the outcome is measurable.</param>
    public OutcomeSpec(string id, string description, string valueUnit, bool measurable = true)
    {
        Id = id;
        Description = description;
        ValueUnit = valueUnit;
        Measurable = measurable;
    }

    /// <summary>Gets the outcome id.</summary>
    public string Id { get; init; }

    /// <summary>Gets the description.</summary>
    public string Description { get; init; }

    /// <summary>Gets the value unit.</summary>
    public string ValueUnit { get; init; }

    /// <summary>Gets a value indicating whether the outcome is measurable.</summary>
    public bool Measurable { get; init; }

    /// <summary>Gets the business metrics.</summary>
    public IReadOnlyList<BusinessMetric> BusinessMetrics { get; init => field = ValueList<BusinessMetric>.From(value); } = ValueList<BusinessMetric>.Empty;

    /// <summary>Gets a value indicating whether the reference format's <c>businessMetrics</c> property was present (kept for round trips).</summary>
    public bool HasBusinessMetricsProperty { get; init; } = true;
}
