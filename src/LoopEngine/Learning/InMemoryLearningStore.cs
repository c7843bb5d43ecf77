using System.Collections.Concurrent;

namespace LoopEngine.Learning;

/// <summary>An <see cref="ILearningStore"/> in process memory, for tests, simulations and single-process hosts.</summary>
public sealed class InMemoryLearningStore : ILearningStore
{
    private readonly ConcurrentDictionary<(string OrgId, string AggregateId), LoopOutcome> _outcomes = new();
    private readonly ConcurrentDictionary<(string OrgId, string Key), Estimate> _estimates = new();
    private readonly Lock _gate = new();

    /// <inheritdoc/>
    public ValueTask SaveOutcomeAsync(LoopOutcome outcome, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        cancellationToken.ThrowIfCancellationRequested();
        _outcomes[(outcome.OrgId, outcome.AggregateId)] = outcome;
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask<LoopOutcome?> GetOutcomeAsync(string orgId, string aggregateId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(_outcomes.TryGetValue((orgId, aggregateId), out var o) ? o : null);
    }

    /// <inheritdoc/>
    public ValueTask<Estimate?> GetEstimateAsync(string orgId, string key, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(_estimates.TryGetValue((orgId, key), out var e) ? e : null);
    }

    /// <inheritdoc/>
    public ValueTask<bool> TrySaveEstimateAsync(Estimate estimate, long expectedVersion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(estimate);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var key = (estimate.OrgId, estimate.Key);
            var actual = _estimates.TryGetValue(key, out var current) ? current.Version : 0;
            if (actual != expectedVersion)
            {
                return ValueTask.FromResult(false);
            }

            // Copy the window so a caller's list can never change what is stored.
            _estimates[key] = estimate with { Window = [.. estimate.Window] };
            return ValueTask.FromResult(true);
        }
    }
}
