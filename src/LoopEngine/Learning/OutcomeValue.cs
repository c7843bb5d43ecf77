using System.Globalization;

namespace LoopEngine.Learning;

/// <summary>A predicted or actual value of an outcome's business metric: a number, a duration, a category or a boolean.</summary>
public sealed record OutcomeValue
{
    private OutcomeValue(OutcomeMetricKind kind, double number, TimeSpan duration, string? category, bool boolean)
    {
        Kind = kind;
        NumberValue = number;
        DurationValue = duration;
        CategoryValue = category;
        BooleanValue = boolean;
    }

    /// <summary>Gets the kind of the value.</summary>
    public OutcomeMetricKind Kind { get; }

    /// <summary>Gets the number (for <see cref="OutcomeMetricKind.Number"/>); otherwise 0.</summary>
    public double NumberValue { get; }

    /// <summary>Gets the duration (for <see cref="OutcomeMetricKind.Duration"/>); otherwise zero.</summary>
    public TimeSpan DurationValue { get; }

    /// <summary>Gets the category (for <see cref="OutcomeMetricKind.Category"/>); otherwise <see langword="null"/>.</summary>
    public string? CategoryValue { get; }

    /// <summary>Gets the boolean (for <see cref="OutcomeMetricKind.Boolean"/>); otherwise <see langword="false"/>.</summary>
    public bool BooleanValue { get; }

    /// <summary>Creates a number.</summary>
    /// <param name="value">A finite number.</param>
    /// <returns>The value.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The number is NaN or infinite.</exception>
    public static OutcomeValue Number(double value)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "An outcome number must be finite.");
        }

        return new(OutcomeMetricKind.Number, value, TimeSpan.Zero, null, false);
    }

    /// <summary>Creates a duration.</summary>
    /// <param name="value">The duration.</param>
    /// <returns>The value.</returns>
    public static OutcomeValue Duration(TimeSpan value) => new(OutcomeMetricKind.Duration, 0, value, null, false);

    /// <summary>Creates a category.</summary>
    /// <param name="value">The category (<c>Low</c>, <c>High</c>); compared ordinally.</param>
    /// <returns>The value.</returns>
    public static OutcomeValue Category(string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(value);
        return new(OutcomeMetricKind.Category, 0, TimeSpan.Zero, value, false);
    }

    /// <summary>Creates a boolean.</summary>
    /// <param name="value">The boolean.</param>
    /// <returns>The value.</returns>
    public static OutcomeValue Boolean(bool value) => new(OutcomeMetricKind.Boolean, 0, TimeSpan.Zero, null, value);

    /// <inheritdoc/>
    public override string ToString() => Kind switch
    {
        OutcomeMetricKind.Number => NumberValue.ToString("R", CultureInfo.InvariantCulture),
        OutcomeMetricKind.Duration => DurationValue.ToString("c", CultureInfo.InvariantCulture),
        OutcomeMetricKind.Category => CategoryValue!,
        _ => BooleanValue ? "true" : "false",
    };
}
