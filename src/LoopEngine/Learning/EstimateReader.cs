using Microsoft.Extensions.Options;

namespace LoopEngine.Learning;

/// <summary>Reads estimates from the learning store.</summary>
internal sealed class EstimateReader(ILearningStore store, IOptions<LearningOptions> options) : IEstimateReader
{
    public ValueTask<Estimate?> GetAsync(string key, string? orgId = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        return store.GetEstimateAsync(orgId ?? options.Value.DefaultOrgId, key, cancellationToken);
    }
}
