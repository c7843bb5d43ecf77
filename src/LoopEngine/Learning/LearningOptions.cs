using System.ComponentModel.DataAnnotations;

namespace LoopEngine.Learning;

/// <summary>Options of outcomes, estimates, learning records and metrics.</summary>
public sealed class LearningOptions
{
    /// <summary>Gets or sets the org used when a call names none.</summary>
    /// <value>The default is <c>default</c>, as <see cref="LoopEngineOptions.DefaultOrgId"/>.</value>
    [Required]
    public string DefaultOrgId { get; set; } = "default";

    /// <summary>Gets or sets the estimator used for estimate names without an entry in <see cref="Estimators"/>.</summary>
    /// <value>The default is an exponentially weighted mean with α = 0.5.</value>
    [Required]
    public EstimatorSpec DefaultEstimator { get; set; } = EstimatorSpec.Default;

    /// <summary>Gets the estimators by estimate name: the part of the key before the first <c>:</c> (<c>supplier_lead_time</c>).</summary>
    public IDictionary<string, EstimatorSpec> Estimators { get; } = new Dictionary<string, EstimatorSpec>(StringComparer.Ordinal);

    /// <summary>Gets or sets how many times an estimate update is retried when a concurrent update wins.</summary>
    /// <value>The default is 16.</value>
    [Range(1, 1000)]
    public int MaxEstimateRetries { get; set; } = 16;

    /// <summary>Gets the estimator for a key.</summary>
    /// <param name="key">The estimate key.</param>
    /// <returns>The configured estimator for its name, else <see cref="DefaultEstimator"/>.</returns>
    public EstimatorSpec EstimatorFor(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var colon = key.IndexOf(':', StringComparison.Ordinal);
        var name = colon < 0 ? key : key[..colon];
        return Estimators.TryGetValue(name, out var spec) ? spec : DefaultEstimator;
    }
}
