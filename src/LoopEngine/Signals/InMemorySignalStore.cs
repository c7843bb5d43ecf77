namespace LoopEngine.Signals;

/// <summary>An <see cref="ISignalStore"/> in memory, for tests and single-process hosts. Thread-safe.</summary>
public sealed class InMemorySignalStore : ISignalStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (Signal Signal, long Order, long LabelOrder)> _signals = new(StringComparer.Ordinal);
    private readonly Dictionary<(string, string), string> _openLoops = [];
    private readonly Dictionary<string, double> _thresholds = new(StringComparer.Ordinal);
    private readonly List<ThresholdChange> _changes = [];
    private readonly Dictionary<string, long> _positions = new(StringComparer.Ordinal);
    private long _order;

    /// <inheritdoc/>
    public ValueTask<bool> TryAddSignalAsync(Signal signal, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(signal);
        lock (_gate)
        {
            if (_signals.ContainsKey(signal.Id))
            {
                return ValueTask.FromResult(false);
            }

            var order = ++_order;
            _signals[signal.Id] = (signal, order, signal.Label is null ? 0 : order);
            return ValueTask.FromResult(true);
        }
    }

    /// <inheritdoc/>
    public ValueTask UpdateSignalAsync(Signal signal, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(signal);
        lock (_gate)
        {
            if (!_signals.TryGetValue(signal.Id, out var entry))
            {
                throw new KeyNotFoundException($"No signal '{signal.Id}' is stored.");
            }

            var labelOrder = entry.Signal.Label is null && signal.Label is not null ? ++_order : entry.LabelOrder;
            _signals[signal.Id] = (signal, entry.Order, signal.Label is null ? 0 : labelOrder);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask<Signal?> GetSignalAsync(string signalId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_signals.TryGetValue(signalId, out var entry) ? entry.Signal : null);
        }
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<Signal>> ListRecentSignalsAsync(int maxCount, bool includeSuppressed = false, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<Signal> result = [.. _signals.Values
                .Where(e => includeSuppressed || e.Signal.Status == SignalStatus.Emitted)
                .OrderByDescending(e => e.Signal.DetectedAt).ThenByDescending(e => e.Order)
                .Take(maxCount).Select(e => e.Signal)];
            return ValueTask.FromResult(result);
        }
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<Signal>> ListSignalsByAggregateAsync(string orgId, string aggregateId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<Signal> result = [.. _signals.Values
                .Where(e => e.Signal.OrgId == orgId && e.Signal.AggregateId == aggregateId)
                .OrderBy(e => e.Order).Select(e => e.Signal)];
            return ValueTask.FromResult(result);
        }
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<Signal>> ListLabelledSignalsAsync(string signalType, int maxCount, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<Signal> result = [.. _signals.Values
                .Where(e => e.Signal.Type == signalType && e.Signal.Label is not null)
                .OrderByDescending(e => e.LabelOrder).Take(maxCount).OrderBy(e => e.LabelOrder).Select(e => e.Signal)];
            return ValueTask.FromResult(result);
        }
    }

    /// <inheritdoc/>
    public ValueTask<string?> GetOpenLoopAsync(string orgId, string subjectKey, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_openLoops.TryGetValue((orgId, subjectKey), out var id) ? id : null);
        }
    }

    /// <inheritdoc/>
    public ValueTask SetOpenLoopAsync(string orgId, string subjectKey, string? aggregateId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (aggregateId is null)
            {
                _openLoops.Remove((orgId, subjectKey));
            }
            else
            {
                _openLoops[(orgId, subjectKey)] = aggregateId;
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask<double?> GetThresholdAsync(string signalType, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_thresholds.TryGetValue(signalType, out var t) ? t : (double?)null);
        }
    }

    /// <inheritdoc/>
    public ValueTask AddThresholdChangeAsync(ThresholdChange change, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        lock (_gate)
        {
            _changes.Add(change);
            _thresholds[change.SignalType] = change.ThresholdAfter;
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<ThresholdChange>> ListThresholdChangesAsync(string signalType, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<ThresholdChange> result = [.. _changes.Where(c => c.SignalType == signalType)];
            return ValueTask.FromResult(result);
        }
    }

    /// <inheritdoc/>
    public ValueTask<long?> GetPositionAsync(string name, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_positions.TryGetValue(name, out var p) ? p : (long?)null);
        }
    }

    /// <inheritdoc/>
    public ValueTask SetPositionAsync(string name, long position, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            _positions[name] = position;
        }

        return ValueTask.CompletedTask;
    }
}
