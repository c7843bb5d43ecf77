namespace LoopEngine.Signals;

/// <summary>
/// A signal type: its subject keys, features, scoring rule, threshold, cooldown per subject, the attributes each
/// signal carries and its calibration. Immutable; build with <see cref="SignalDefinitionBuilder"/> or load with
/// <see cref="SignalDefinitionLoader"/>.
/// </summary>
public sealed class SignalDefinition
{
    internal SignalDefinition(string type, IReadOnlyList<string> subjectKeys, IReadOnlyList<FeatureDefinition> features, ScoringRule rule, double threshold, TimeSpan cooldown, IReadOnlyList<string> attributes, SignalCalibration calibration)
    {
        Type = type;
        SubjectKeys = subjectKeys;
        Features = features;
        Rule = rule;
        Threshold = threshold;
        Cooldown = cooldown;
        Attributes = attributes;
        Calibration = calibration;
    }

    /// <summary>Gets the signal type (<c>DEMAND_SPIKE</c>).</summary>
    public string Type { get; }

    /// <summary>Gets the subject keys (<c>sku</c>, <c>location</c>).</summary>
    public IReadOnlyList<string> SubjectKeys { get; }

    /// <summary>Gets the features.</summary>
    public IReadOnlyList<FeatureDefinition> Features { get; }

    /// <summary>Gets the scoring rule.</summary>
    public ScoringRule Rule { get; }

    /// <summary>Gets the initial confidence threshold (calibration may move it).</summary>
    public double Threshold { get; }

    /// <summary>Gets the time after an emission during which the same subject emits no other signal of this type.</summary>
    public TimeSpan Cooldown { get; }

    /// <summary>Gets the features carried as attributes on each signal (<c>on_hand</c>, <c>reorder_point</c>).</summary>
    public IReadOnlyList<string> Attributes { get; }

    /// <summary>Gets the calibration settings.</summary>
    public SignalCalibration Calibration { get; }

    /// <summary>Starts a builder.</summary>
    /// <param name="type">The signal type.</param>
    /// <returns>The builder.</returns>
    public static SignalDefinitionBuilder Create(string type) => new(type);
}
