namespace LoopEngine.Signals;

/// <summary>What a custom scoring rule sees: the signal's feature values for one subject and the event that fed them.</summary>
public readonly struct ScoringArguments
{
    private readonly double[] _values;
    private readonly IReadOnlyList<FeatureDefinition> _features;

    internal ScoringArguments(SignalDefinition definition, double[] values, RawEvent rawEvent)
    {
        Definition = definition;
        _values = values;
        _features = definition.Features;
        Event = rawEvent;
    }

    /// <summary>Gets the signal definition being scored.</summary>
    public SignalDefinition Definition { get; }

    /// <summary>Gets the event that triggered the evaluation.</summary>
    public RawEvent Event { get; }

    /// <summary>Gets a feature's value.</summary>
    /// <param name="feature">The feature's name.</param>
    /// <param name="value">The value, when the subject has one (or the feature a default).</param>
    /// <returns><see langword="true"/> when present.</returns>
    public bool TryGetValue(string feature, out double value)
    {
        for (var i = 0; i < _features.Count; i++)
        {
            if (string.Equals(_features[i].Name, feature, StringComparison.Ordinal))
            {
                value = _values[i];
                return !double.IsNaN(value);
            }
        }

        value = 0;
        return false;
    }
}
