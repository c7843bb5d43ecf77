namespace LoopEngine.Learning;

/// <summary>One business metric of a recorded outcome: predicted vs actual, with Δ or hit/miss.</summary>
public sealed record MetricComparison
{
    /// <summary>Gets the metric id.</summary>
    public required string MetricId { get; init; }

    /// <summary>Gets the metric's kind.</summary>
    public required OutcomeMetricKind Kind { get; init; }

    /// <summary>Gets the unit (the declared kind unit, else the metric's unit).</summary>
    public required string Unit { get; init; }

    /// <summary>Gets the predicted value, or <see langword="null"/>.</summary>
    public OutcomeValue? Predicted { get; init; }

    /// <summary>Gets the actual value, or <see langword="null"/>.</summary>
    public OutcomeValue? Actual { get; init; }

    /// <summary>
    /// Gets Δ = actual − predicted for numbers, and for durations expressed in <see cref="Unit"/> (days, hours, minutes,
    /// seconds or milliseconds; seconds for any other unit); <see langword="null"/> for categories and booleans or when
    /// either value is missing.
    /// </summary>
    public double? Delta { get; init; }

    /// <summary>Gets Δ as a duration for duration metrics; otherwise <see langword="null"/>.</summary>
    public TimeSpan? DurationDelta { get; init; }

    /// <summary>Gets whether a category or boolean prediction was a hit (equal to the actual); <see langword="null"/> for numbers and durations or when either value is missing.</summary>
    public bool? IsHit { get; init; }
}
