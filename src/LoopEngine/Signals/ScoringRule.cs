using System.Globalization;

namespace LoopEngine.Signals;

/// <summary>
/// Scores a subject's features as a confidence in [0, 1]. Built-ins: a threshold breach with a logistic confidence, a
/// z-score spike against the subject's own baseline, a state dwell past its SLA, a weighted combination, and custom
/// rules. Every formula is documented in docs/signals.md.
/// </summary>
public abstract class ScoringRule
{
    private protected ScoringRule()
    {
    }

    /// <summary>Gets a short description of the rule and its parameters.</summary>
    public abstract string Description { get; }

    /// <summary>Gets the features the rule reads.</summary>
    public abstract IReadOnlyList<string> Features { get; }

    /// <summary>
    /// A threshold breach: <c>confidence = 1 / (1 + exp(−d / scale))</c> where <c>d = value − threshold</c> (above) or
    /// <c>threshold − value</c> (below); 0.5 exactly at the threshold.
    /// </summary>
    /// <param name="feature">The feature.</param>
    /// <param name="threshold">The breach level.</param>
    /// <param name="scale">How far past the level the confidence reaches 0.73 (e^1 / (1 + e^1)); positive.</param>
    /// <param name="direction">Which side breaches.</param>
    /// <returns>The rule.</returns>
    public static ScoringRule Threshold(string feature, double threshold, double scale, ThresholdDirection direction = ThresholdDirection.Above) =>
        new ThresholdRule(feature, threshold, scale, direction);

    /// <summary>
    /// A spike against the subject's own baseline: <c>z = (value − mean) / stddev</c> over the values seen before (Welford),
    /// <c>confidence = 1 / (1 + exp(−(z − center)))</c>; no score until <paramref name="minObservations"/> values were seen.
    /// </summary>
    /// <param name="feature">The feature.</param>
    /// <param name="center">The z at which the confidence is 0.5.</param>
    /// <param name="minObservations">Values needed before scoring; at least 2.</param>
    /// <returns>The rule.</returns>
    public static ScoringRule ZScore(string feature, double center = 3, int minObservations = 10) => new ZScoreRule(feature, center, minObservations);

    /// <summary>A dwell past its SLA: 0 up to the SLA, then <c>1 − exp(−(dwell − sla) / sla)</c>.</summary>
    /// <param name="dwellFeature">The feature holding the time in state (any unit, the same as <paramref name="sla"/>).</param>
    /// <param name="sla">The SLA in the same unit; positive.</param>
    /// <returns>The rule.</returns>
    public static ScoringRule Dwell(string dwellFeature, double sla) => new DwellRule(dwellFeature, sla);

    /// <summary>A weighted combination: <c>confidence = Σ weightᵢ · componentᵢ</c>, the weights summing to 1.</summary>
    /// <param name="components">The components.</param>
    /// <returns>The rule.</returns>
    public static ScoringRule Weighted(params WeightedComponent[] components) => new WeightedRule(components);

    /// <summary>A custom rule.</summary>
    /// <param name="description">What it does.</param>
    /// <param name="features">The features it reads (each must be defined).</param>
    /// <param name="scorer">Returns the confidence in [0, 1], or <see langword="null"/> for no score; clamped to [0, 1].</param>
    /// <returns>The rule.</returns>
    public static ScoringRule Custom(string description, IReadOnlyList<string> features, Func<ScoringArguments, double?> scorer) =>
        new CustomRule(description, features, scorer);

    internal virtual IEnumerable<string> Validate()
    {
        yield break;
    }

    internal abstract RuleEvaluator Bind(Func<string, int> indexOf);

    private static double Logistic(double x) => 1.0 / (1.0 + Math.Exp(-x));

    private sealed class ThresholdRule(string feature, double threshold, double scale, ThresholdDirection direction) : ScoringRule
    {
        public override string Description => string.Create(CultureInfo.InvariantCulture, $"threshold({feature} {(direction == ThresholdDirection.Above ? ">" : "<")} {threshold}, scale {scale})");

        public override IReadOnlyList<string> Features => [feature];

        internal override IEnumerable<string> Validate()
        {
            if (!(scale > 0))
            {
                yield return "scale must be positive";
            }
        }

        internal override RuleEvaluator Bind(Func<string, int> indexOf) => new Evaluator(indexOf(feature), threshold, scale, direction == ThresholdDirection.Above ? 1 : -1);

        private sealed class Evaluator(int index, double threshold, double scale, double sign) : RuleEvaluator
        {
            public override bool TryScore(double[] values, SignalSubjectState state, in ScoringArguments arguments, out double confidence)
            {
                var x = values[index];
                confidence = double.IsNaN(x) ? 0 : Logistic(sign * (x - threshold) / scale);
                return !double.IsNaN(x);
            }
        }
    }

    private sealed class ZScoreRule(string feature, double center, int minObservations) : ScoringRule
    {
        public override string Description => string.Create(CultureInfo.InvariantCulture, $"zscore({feature}, center {center}, min {minObservations})");

        public override IReadOnlyList<string> Features => [feature];

        internal override IEnumerable<string> Validate()
        {
            if (minObservations < 2)
            {
                yield return "minObservations must be at least 2";
            }
        }

        internal override RuleEvaluator Bind(Func<string, int> indexOf) => new Evaluator(indexOf(feature), center, minObservations);

        private sealed class Evaluator(int index, double center, int minObservations) : RuleEvaluator
        {
            public override bool TryScore(double[] values, SignalSubjectState state, in ScoringArguments arguments, out double confidence)
            {
                var x = values[index];
                confidence = 0;
                if (double.IsNaN(x))
                {
                    return false;
                }

                var scored = false;
                if (state.BaselineCount >= minObservations)
                {
                    var std = Math.Sqrt(state.BaselineM2 / (state.BaselineCount - 1));
                    var z = std > 0 ? (x - state.BaselineMean) / std : (x > state.BaselineMean ? double.PositiveInfinity : 0);
                    confidence = Logistic(z - center);
                    scored = true;
                }

                state.AddToBaseline(x);
                return scored;
            }
        }
    }

    private sealed class DwellRule(string feature, double sla) : ScoringRule
    {
        public override string Description => string.Create(CultureInfo.InvariantCulture, $"dwell({feature} past {sla})");

        public override IReadOnlyList<string> Features => [feature];

        internal override IEnumerable<string> Validate()
        {
            if (!(sla > 0))
            {
                yield return "sla must be positive";
            }
        }

        internal override RuleEvaluator Bind(Func<string, int> indexOf) => new Evaluator(indexOf(feature), sla);

        private sealed class Evaluator(int index, double sla) : RuleEvaluator
        {
            public override bool TryScore(double[] values, SignalSubjectState state, in ScoringArguments arguments, out double confidence)
            {
                var x = values[index];
                confidence = double.IsNaN(x) || x <= sla ? 0 : 1 - Math.Exp(-(x - sla) / sla);
                return !double.IsNaN(x);
            }
        }
    }

    private sealed class WeightedRule : ScoringRule
    {
        private readonly WeightedComponent[] _components;

        public WeightedRule(WeightedComponent[] components)
        {
            ArgumentNullException.ThrowIfNull(components);
            _components = [.. components];
        }

        public override string Description => "weighted(" + string.Join(", ", _components.Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Weight}·{c.Kind}({c.Feature}{(c.ReferenceFeature is null ? string.Empty : ", " + c.ReferenceFeature)})"))) + ")";

        public override IReadOnlyList<string> Features => [.. _components.Select(c => c.Feature).Concat(_components.Where(c => c.ReferenceFeature is not null).Select(c => c.ReferenceFeature!)).Distinct(StringComparer.Ordinal)];

        internal IReadOnlyList<WeightedComponent> Components => _components;

        internal override IEnumerable<string> Validate()
        {
            if (_components.Length == 0)
            {
                yield return "a weighted rule needs at least one component";
            }

            var total = 0.0;
            foreach (var c in _components)
            {
                total += c.Weight;
                if (!(c.Weight >= 0))
                {
                    yield return $"component '{c.Feature}' has a negative weight";
                }

                if (c.Kind == "excess" && !(c.Parameter > 1))
                {
                    yield return $"component '{c.Feature}' needs a saturation ratio greater than 1";
                }

                if (c.Kind == "scaled" && !(c.Parameter > 0))
                {
                    yield return $"component '{c.Feature}' needs a positive full scale";
                }
            }

            if (_components.Length > 0 && Math.Abs(total - 1) > 1e-9)
            {
                yield return string.Create(CultureInfo.InvariantCulture, $"the weights sum to {total}, not 1");
            }
        }

        internal override RuleEvaluator Bind(Func<string, int> indexOf)
        {
            var values = new int[_components.Length];
            var references = new int[_components.Length];
            for (var i = 0; i < _components.Length; i++)
            {
                values[i] = indexOf(_components[i].Feature);
                references[i] = _components[i].ReferenceFeature is { } r ? indexOf(r) : -1;
            }

            return new Evaluator(_components, values, references);
        }

        private sealed class Evaluator(WeightedComponent[] components, int[] values, int[] references) : RuleEvaluator
        {
            public override bool TryScore(double[] features, SignalSubjectState state, in ScoringArguments arguments, out double confidence)
            {
                confidence = 0;
                for (var i = 0; i < components.Length; i++)
                {
                    var value = features[values[i]];
                    var reference = references[i] >= 0 ? features[references[i]] : 0;
                    if (double.IsNaN(value) || double.IsNaN(reference))
                    {
                        confidence = 0;
                        return false;
                    }

                    confidence += components[i].Weight * components[i].Score(value, reference);
                }

                confidence = Math.Clamp(confidence, 0, 1);
                return true;
            }
        }
    }

    private sealed class CustomRule(string description, IReadOnlyList<string> features, Func<ScoringArguments, double?> scorer) : ScoringRule
    {
        private readonly Func<ScoringArguments, double?> _scorer = scorer ?? throw new ArgumentNullException(nameof(scorer));

        public override string Description => description;

        public override IReadOnlyList<string> Features => features;

        internal override RuleEvaluator Bind(Func<string, int> indexOf)
        {
            foreach (var f in features)
            {
                indexOf(f);
            }

            return new Evaluator(_scorer);
        }

        private sealed class Evaluator(Func<ScoringArguments, double?> scorer) : RuleEvaluator
        {
            public override bool TryScore(double[] values, SignalSubjectState state, in ScoringArguments arguments, out double confidence)
            {
                var result = scorer(arguments);
                confidence = result is { } c && !double.IsNaN(c) ? Math.Clamp(c, 0, 1) : 0;
                return result is { } r && !double.IsNaN(r);
            }
        }
    }
}

/// <summary>A rule bound to one definition's feature indexes.</summary>
internal abstract class RuleEvaluator
{
    public abstract bool TryScore(double[] values, SignalSubjectState state, in ScoringArguments arguments, out double confidence);
}
