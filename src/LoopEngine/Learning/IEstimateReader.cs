namespace LoopEngine.Learning;

/// <summary>Reads learned estimates: for the next loop's guards, rules or host code.</summary>
public interface IEstimateReader
{
    /// <summary>Reads an estimate.</summary>
    /// <param name="key">The key (<c>supplier_lead_time:SUP-ACME</c>).</param>
    /// <param name="orgId">The org, or <see langword="null"/> for <see cref="LearningOptions.DefaultOrgId"/>.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The estimate, or <see langword="null"/> when nothing has been learned for the key.</returns>
    ValueTask<Estimate?> GetAsync(string key, string? orgId = null, CancellationToken cancellationToken = default);
}
