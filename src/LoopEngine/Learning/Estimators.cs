namespace LoopEngine.Learning;

/// <summary>The built-in estimators' update rules (documented in <c>docs/learning.md</c>).</summary>
internal static class Estimators
{
    /// <summary>Applies one observation.</summary>
    /// <param name="current">The estimate before, or null when it does not exist.</param>
    /// <param name="observation">The observed value.</param>
    /// <param name="prior">The value the loop planned with (the metric's predicted value), used to start an EWMA.</param>
    /// <param name="spec">The estimator.</param>
    /// <returns>The new value, count and window.</returns>
    public static (double Value, long Count, IReadOnlyList<double> Window) Apply(Estimate? current, double observation, double? prior, EstimatorSpec spec)
    {
        var count = (current?.Count ?? 0) + 1;
        switch (current?.Estimator ?? spec.Kind)
        {
            case EstimatorKind.ExponentialMean:
                var start = current?.Value ?? prior;
                return (start is { } s ? (spec.Alpha * observation) + ((1 - spec.Alpha) * s) : observation, count, []);
            case EstimatorKind.RunningMean:
                var mean = current?.Value ?? 0;
                return (mean + ((observation - mean) / count), count, []);
            default:
                var window = new List<double>(current?.Window ?? []) { observation };
                if (window.Count > spec.WindowSize)
                {
                    window.RemoveRange(0, window.Count - spec.WindowSize);
                }

                return (Quantile(window, spec.Quantile), count, window);
        }
    }

    /// <summary>The q-quantile with linear interpolation between order statistics (Hyndman–Fan type 7).</summary>
    public static double Quantile(IReadOnlyList<double> values, double q)
    {
        var sorted = values.Order().ToArray();
        var h = (sorted.Length - 1) * q;
        var lo = (int)Math.Floor(h);
        var hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + ((h - lo) * (sorted[hi] - sorted[lo]));
    }
}
