using System.ComponentModel.DataAnnotations;

namespace LoopEngine.Learning;

/// <summary>How an estimate is computed from its observations.</summary>
public sealed record EstimatorSpec
{
    /// <summary>Gets the estimator.</summary>
    /// <value>The default is <see cref="EstimatorKind.ExponentialMean"/>.</value>
    public EstimatorKind Kind { get; init; } = EstimatorKind.ExponentialMean;

    /// <summary>Gets the weight α of the newest observation for <see cref="EstimatorKind.ExponentialMean"/>.</summary>
    /// <value>The default is 0.5: an estimate of 12 observing 16 becomes 14.</value>
    [Range(double.Epsilon, 1.0)]
    public double Alpha { get; init; } = 0.5;

    /// <summary>Gets the quantile for <see cref="EstimatorKind.Quantile"/>, in [0, 1].</summary>
    /// <value>The default is 0.5 (the median).</value>
    [Range(0.0, 1.0)]
    public double Quantile { get; init; } = 0.5;

    /// <summary>Gets how many of the latest observations <see cref="EstimatorKind.Quantile"/> keeps.</summary>
    /// <value>The default is 256.</value>
    [Range(1, 65_536)]
    public int WindowSize { get; init; } = 256;

    /// <summary>Gets the default estimator: an exponentially weighted mean with α = 0.5.</summary>
    public static EstimatorSpec Default { get; } = new();
}
