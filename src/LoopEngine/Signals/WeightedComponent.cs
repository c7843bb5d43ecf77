namespace LoopEngine.Signals;

/// <summary>One term of a weighted scoring rule (see docs/signals.md): each yields a number in [0, 1] times its weight.</summary>
public sealed record WeightedComponent
{
    private WeightedComponent(string kind, double weight, string feature)
    {
        Kind = kind;
        Weight = weight;
        Feature = feature;
    }

    /// <summary>Gets the kind: <c>shortfall</c>, <c>excess</c> or <c>scaled</c>.</summary>
    public string Kind { get; }

    /// <summary>Gets the weight.</summary>
    public double Weight { get; }

    /// <summary>Gets the feature whose value is scored.</summary>
    public string Feature { get; }

    /// <summary>Gets the feature the value is compared with (shortfall: the reference level; excess: the baseline).</summary>
    public string? ReferenceFeature { get; private init; }

    /// <summary>Gets the parameter: for excess, the ratio to the baseline at which the term saturates; for scaled, the value at which it saturates.</summary>
    public double Parameter { get; private init; }

    /// <summary>Shortfall below a reference level: <c>clamp((reference − value) / reference, 0, 1)</c>.</summary>
    /// <param name="weight">The weight.</param>
    /// <param name="feature">The value (<c>on_hand</c>).</param>
    /// <param name="referenceFeature">The level (<c>reorder_point</c>).</param>
    /// <returns>The component.</returns>
    public static WeightedComponent Shortfall(double weight, string feature, string referenceFeature) =>
        new("shortfall", weight, feature) { ReferenceFeature = referenceFeature };

    /// <summary>Excess over a baseline: <c>clamp((value / baseline − 1) / (saturationRatio − 1), 0, 1)</c>.</summary>
    /// <param name="weight">The weight.</param>
    /// <param name="feature">The value (<c>units_24h</c>).</param>
    /// <param name="baselineFeature">The baseline (<c>baseline_daily_demand</c>).</param>
    /// <param name="saturationRatio">The ratio value / baseline at which the term reaches 1; greater than 1.</param>
    /// <returns>The component.</returns>
    public static WeightedComponent Excess(double weight, string feature, string baselineFeature, double saturationRatio) =>
        new("excess", weight, feature) { ReferenceFeature = baselineFeature, Parameter = saturationRatio };

    /// <summary>A value scaled to its saturation: <c>clamp(value / fullScale, 0, 1)</c>.</summary>
    /// <param name="weight">The weight.</param>
    /// <param name="feature">The value (<c>delay_days</c>).</param>
    /// <param name="fullScale">The value at which the term reaches 1; positive.</param>
    /// <returns>The component.</returns>
    public static WeightedComponent Scaled(double weight, string feature, double fullScale) =>
        new("scaled", weight, feature) { Parameter = fullScale };

    internal double Score(double value, double reference) => Kind switch
    {
        "shortfall" => reference > 0 ? Math.Clamp((reference - value) / reference, 0, 1) : 0,
        "excess" => reference > 0 ? Math.Clamp(((value / reference) - 1) / (Parameter - 1), 0, 1) : 0,
        _ => Math.Clamp(value / Parameter, 0, 1),
    };
}
