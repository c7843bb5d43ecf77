using System.Globalization;

namespace LoopEngine.Signals;

/// <summary>Builds a <see cref="SignalDefinition"/> fluently. Single use: a second <see cref="Build"/> throws.</summary>
public sealed class SignalDefinitionBuilder
{
    private readonly string _type;
    private readonly List<string> _subjectKeys = [];
    private readonly List<FeatureDefinition> _features = [];
    private readonly List<string> _attributes = [];
    private ScoringRule? _rule;
    private double _threshold = 0.5;
    private TimeSpan _cooldown;
    private SignalCalibration _calibration = new();
    private bool _built;

    /// <summary>Creates a builder.</summary>
    /// <param name="type">The signal type (<c>DEMAND_SPIKE</c>).</param>
    public SignalDefinitionBuilder(string type)
    {
        _type = type;
    }

    /// <summary>Sets the subject keys.</summary>
    /// <param name="keys">One to four keys.</param>
    /// <returns>This builder.</returns>
    public SignalDefinitionBuilder For(params string[] keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        _subjectKeys.AddRange(keys);
        return this;
    }

    /// <summary>Adds a feature.</summary>
    /// <param name="feature">The feature.</param>
    /// <returns>This builder.</returns>
    public SignalDefinitionBuilder Feature(FeatureDefinition feature)
    {
        ArgumentNullException.ThrowIfNull(feature);
        _features.Add(feature);
        return this;
    }

    /// <summary>Adds a feature from an expression (<c>sum(sale_recorded.qty) over 24h</c>).</summary>
    /// <param name="name">The feature's name.</param>
    /// <param name="expression">The expression (see <see cref="FeatureDefinition.Parse"/>).</param>
    /// <returns>This builder.</returns>
    public SignalDefinitionBuilder Feature(string name, string expression) => Feature(FeatureDefinition.Parse(name, expression));

    /// <summary>Sets the scoring rule.</summary>
    /// <param name="rule">The rule.</param>
    /// <returns>This builder.</returns>
    public SignalDefinitionBuilder Score(ScoringRule rule)
    {
        _rule = rule;
        return this;
    }

    /// <summary>Sets the initial confidence threshold.</summary>
    /// <param name="threshold">In [0, 1]; the default is 0.5.</param>
    /// <returns>This builder.</returns>
    public SignalDefinitionBuilder Threshold(double threshold)
    {
        _threshold = threshold;
        return this;
    }

    /// <summary>Sets the cooldown per subject.</summary>
    /// <param name="cooldown">Not negative; the default is none.</param>
    /// <returns>This builder.</returns>
    public SignalDefinitionBuilder Cooldown(TimeSpan cooldown)
    {
        _cooldown = cooldown;
        return this;
    }

    /// <summary>Adds features carried as attributes.</summary>
    /// <param name="features">The feature names.</param>
    /// <returns>This builder.</returns>
    public SignalDefinitionBuilder Carry(params string[] features)
    {
        ArgumentNullException.ThrowIfNull(features);
        _attributes.AddRange(features);
        return this;
    }

    /// <summary>Sets the calibration.</summary>
    /// <param name="calibration">The calibration.</param>
    /// <returns>This builder.</returns>
    public SignalDefinitionBuilder Calibrate(SignalCalibration calibration)
    {
        _calibration = calibration ?? throw new ArgumentNullException(nameof(calibration));
        return this;
    }

    /// <summary>Validates and builds the definition.</summary>
    /// <returns>The definition.</returns>
    /// <exception cref="SignalDefinitionException">The definition is invalid; every problem is listed.</exception>
    /// <exception cref="InvalidOperationException">The builder was already used.</exception>
    public SignalDefinition Build() => BuildAt("$");

    internal SignalDefinition BuildAt(string path)
    {
        if (_built)
        {
            throw new InvalidOperationException($"The builder of signal '{_type}' has already built its definition; create a new builder.");
        }

        _built = true;
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(_type))
        {
            problems.Add($"{path}.type: the signal type is empty");
        }

        if (_subjectKeys.Count is 0 or > SubjectKey.MaxKeys)
        {
            problems.Add($"{path}.subject: a signal needs 1 to {SubjectKey.MaxKeys} subject keys");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < _features.Count; i++)
        {
            var f = _features[i];
            var at = $"{path}.features.{f.Name}";
            if (!names.Add(f.Name))
            {
                problems.Add($"{at}: the feature is defined twice");
            }

            if (f.GroupBy is { } by && (by.Count is 0 or > SubjectKey.MaxKeys))
            {
                problems.Add($"{at}: 'by' needs 1 to {SubjectKey.MaxKeys} keys");
            }

            if (f.Kind == FeatureKind.Windowed)
            {
                if (f.Window <= TimeSpan.Zero)
                {
                    problems.Add($"{at}: the window must be positive");
                }
                else if (f.WindowKind == WindowKind.Sliding && f.Step > TimeSpan.Zero && (f.Step > f.Window || f.Window.Ticks % f.Step.Ticks != 0))
                {
                    problems.Add($"{at}: the step {f.Step} must divide the window {f.Window}");
                }

                if (f.Aggregate != WindowAggregate.Count && f.Field is null && f.Extractor is null)
                {
                    problems.Add($"{at}: the aggregate needs a field or an extractor");
                }
            }

            if (f.Kind != FeatureKind.Reference && string.IsNullOrEmpty(f.EventType))
            {
                problems.Add($"{at}: the event type is empty");
            }
        }

        if (_rule is null)
        {
            problems.Add($"{path}.rule: a scoring rule is required");
        }
        else
        {
            foreach (var feature in _rule.Features)
            {
                if (!names.Contains(feature))
                {
                    problems.Add($"{path}.rule: the rule reads feature '{feature}', which is not defined; defined: {string.Join(", ", names)}");
                }
            }

            foreach (var problem in _rule.Validate())
            {
                problems.Add($"{path}.rule: {problem}");
            }
        }

        foreach (var attribute in _attributes)
        {
            if (!names.Contains(attribute))
            {
                problems.Add($"{path}.attributes: '{attribute}' is not a defined feature");
            }
        }

        if (!(_threshold is >= 0 and <= 1))
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{path}.threshold: {_threshold} is outside [0, 1]"));
        }

        if (_cooldown < TimeSpan.Zero)
        {
            problems.Add($"{path}.cooldown: the cooldown is negative");
        }

        var c = _calibration;
        if (!(c.TargetPrecision is > 0 and <= 1) || c.Window < 1 || c.MinSamples < 1 || c.MinSamples > c.Window || !(c.MaxStep > 0)
            || !(c.MinChange >= 0) || !(c.ShadowMargin >= 0) || !(c.MinThreshold >= 0 && c.MinThreshold <= c.MaxThreshold && c.MaxThreshold <= 1))
        {
            problems.Add($"{path}.calibration: targetPrecision must be in (0, 1], window ≥ minSamples ≥ 1, maxStep > 0, minChange ≥ 0, shadowMargin ≥ 0, 0 ≤ minThreshold ≤ maxThreshold ≤ 1");
        }

        if (problems.Count > 0)
        {
            throw new SignalDefinitionException(problems);
        }

        return new SignalDefinition(_type, [.. _subjectKeys], [.. _features], _rule!, _threshold, _cooldown, [.. _attributes], _calibration);
    }
}
