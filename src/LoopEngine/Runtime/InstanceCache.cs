using System.Collections.Concurrent;

namespace LoopEngine;

/// <summary>
/// The instances an engine last wrote, by org and aggregate: where its next request on one starts instead of a store read.
/// An entry may be stale (another writer moved the instance); the store's version check then refuses the commit built on
/// it, and the engine drops the entry and reads again.
/// </summary>
internal sealed class InstanceCache(int capacity)
{
    private readonly ConcurrentDictionary<(string Org, string Aggregate), LoopInstance> _instances = new();
    private int _count;

    /// <summary>Gets the instance kept for an aggregate, if any.</summary>
    public bool TryGet(string org, string aggregateId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out LoopInstance? instance) =>
        _instances.TryGetValue((org, aggregateId), out instance);

    /// <summary>
    /// Keeps an instance just committed. Commits racing on one aggregate may arrive out of order: a later version replaces
    /// an earlier one, never the reverse, and two different instances at one version (a recommendation changed the pending
    /// count) leave nothing kept.
    /// </summary>
    public void Put(string org, LoopInstance instance)
    {
        var key = (org, instance.AggregateId);
        while (true)
        {
            if (!_instances.TryGetValue(key, out var kept))
            {
                if (Interlocked.Increment(ref _count) > capacity)
                {
                    // Full: start over (cheaper than tracking use; the entries are only where requests start).
                    _instances.Clear();
                    Volatile.Write(ref _count, 1);
                }

                if (_instances.TryAdd(key, instance))
                {
                    return;
                }

                Interlocked.Decrement(ref _count);
                continue;
            }

            if (kept.Version > instance.Version)
            {
                return;
            }

            if (kept.Version == instance.Version && !ReferenceEquals(kept, instance))
            {
                Remove(org, instance.AggregateId, kept);
                return;
            }

            if (_instances.TryUpdate(key, instance, kept))
            {
                return;
            }
        }
    }

    /// <summary>Forgets the instance kept for an aggregate (a commit built on it was refused).</summary>
    public void Remove(string org, string aggregateId)
    {
        if (_instances.TryRemove((org, aggregateId), out _))
        {
            Interlocked.Decrement(ref _count);
        }
    }

    private void Remove(string org, string aggregateId, LoopInstance kept)
    {
        if (_instances.TryRemove(new KeyValuePair<(string, string), LoopInstance>((org, aggregateId), kept)))
        {
            Interlocked.Decrement(ref _count);
        }
    }
}
