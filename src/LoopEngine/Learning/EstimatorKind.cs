namespace LoopEngine.Learning;

/// <summary>The built-in estimators; each is documented in <c>docs/learning.md</c>.</summary>
public enum EstimatorKind
{
    /// <summary>Exponentially weighted mean: <c>new = α·x + (1 − α)·old</c>. Wire name <c>ewma</c>.</summary>
    ExponentialMean = 0,

    /// <summary>Running (arithmetic) mean with its count: <c>new = old + (x − old) / n</c>. Wire name <c>mean</c>.</summary>
    RunningMean = 1,

    /// <summary>A quantile over a bounded window of the latest observations (linear interpolation between order statistics). Wire name <c>quantile</c>.</summary>
    Quantile = 2,
}
