namespace LoopEngine.Learning;

/// <summary>A named estimate keyed by subject (<c>supplier_lead_time:SUP-ACME</c>), learned from outcomes.</summary>
public sealed record Estimate
{
    /// <summary>Gets the org.</summary>
    public required string OrgId { get; init; }

    /// <summary>Gets the key: a name and a subject (<c>supplier_lead_time:SUP-ACME</c>).</summary>
    public required string Key { get; init; }

    /// <summary>Gets the estimator that computes it.</summary>
    public required EstimatorKind Estimator { get; init; }

    /// <summary>Gets the current value, in <see cref="Unit"/>.</summary>
    public required double Value { get; init; }

    /// <summary>Gets the unit (the metric's unit; durations are kept as numbers in it).</summary>
    public required string Unit { get; init; }

    /// <summary>Gets how many observations it has absorbed.</summary>
    public required long Count { get; init; }

    /// <summary>Gets the version: 1 when created, incremented by each update (stores check it).</summary>
    public required long Version { get; init; }

    /// <summary>Gets when it was last updated.</summary>
    public required DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Gets the aggregate id of the outcome that last updated it.</summary>
    public required string LastAggregateId { get; init; }

    /// <summary>Gets the latest observations, oldest first (kept by <see cref="EstimatorKind.Quantile"/> only; empty otherwise).</summary>
    public IReadOnlyList<double> Window { get; init; } = [];

    /// <summary>Gets the value as a duration when <see cref="Unit"/> is a time unit (days, hours, minutes, seconds, milliseconds).</summary>
    /// <returns>The duration, or <see langword="null"/> when the unit is not a time unit.</returns>
    public TimeSpan? AsDuration() => DurationUnits.TryToTimeSpan(Value, Unit, out var span) ? span : null;
}
