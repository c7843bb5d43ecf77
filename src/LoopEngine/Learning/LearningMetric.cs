using System.Text.Json;

namespace LoopEngine.Learning;

/// <summary>One business metric in a learning record (values as in <c>loop.outcome.recorded</c>: durations as numbers in the unit).</summary>
public sealed record LearningMetric
{
    /// <summary>Gets the metric id.</summary>
    public required string MetricId { get; init; }

    /// <summary>Gets the kind (<c>number</c>, <c>duration</c>, <c>category</c>, <c>boolean</c>).</summary>
    public required string Kind { get; init; }

    /// <summary>Gets the unit.</summary>
    public required string Unit { get; init; }

    /// <summary>Gets the predicted value, or <see langword="null"/>.</summary>
    public JsonElement? Predicted { get; init; }

    /// <summary>Gets the actual value, or <see langword="null"/>.</summary>
    public JsonElement? Actual { get; init; }

    /// <summary>Gets Δ (actual − predicted) for numbers and durations, or <see langword="null"/>.</summary>
    public double? Delta { get; init; }

    /// <summary>Gets hit (<see langword="true"/>) or miss for categories and booleans, or <see langword="null"/>.</summary>
    public bool? Hit { get; init; }
}
