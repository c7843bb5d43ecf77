namespace LoopEngine.Signals;

/// <summary>
/// Where signals, their labels, thresholds and threshold changes, the open loop per subject and other state that must
/// survive a restart live. Every store passes <c>SignalStoreConformanceTests</c>.
/// </summary>
public interface ISignalStore
{
    /// <summary>Adds a signal unless one with its id exists (idempotent on the signal id).</summary>
    /// <param name="signal">The signal.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><see langword="true"/> when added; <see langword="false"/> when the id was already stored.</returns>
    ValueTask<bool> TryAddSignalAsync(Signal signal, CancellationToken cancellationToken = default);

    /// <summary>Replaces a stored signal (its trigger or label changed).</summary>
    /// <param name="signal">The signal.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when stored.</returns>
    /// <exception cref="KeyNotFoundException">No signal has that id.</exception>
    ValueTask UpdateSignalAsync(Signal signal, CancellationToken cancellationToken = default);

    /// <summary>Reads a signal.</summary>
    /// <param name="signalId">The id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The signal, or <see langword="null"/>.</returns>
    ValueTask<Signal?> GetSignalAsync(string signalId, CancellationToken cancellationToken = default);

    /// <summary>Lists the most recently detected signals, newest first.</summary>
    /// <param name="maxCount">The most to return.</param>
    /// <param name="includeSuppressed">Whether suppressed candidates are included.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The signals.</returns>
    ValueTask<IReadOnlyList<Signal>> ListRecentSignalsAsync(int maxCount, bool includeSuppressed = false, CancellationToken cancellationToken = default);

    /// <summary>Lists the signals attached to a loop instance, in detection order.</summary>
    /// <param name="orgId">The org.</param>
    /// <param name="aggregateId">The aggregate id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The signals.</returns>
    ValueTask<IReadOnlyList<Signal>> ListSignalsByAggregateAsync(string orgId, string aggregateId, CancellationToken cancellationToken = default);

    /// <summary>Lists a type's most recently labelled signals, oldest first (to rebuild the calibration window).</summary>
    /// <param name="signalType">The signal type.</param>
    /// <param name="maxCount">The most to return.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The signals, in labelling order.</returns>
    ValueTask<IReadOnlyList<Signal>> ListLabelledSignalsAsync(string signalType, int maxCount, CancellationToken cancellationToken = default);

    /// <summary>Reads the open loop recorded for a subject key.</summary>
    /// <param name="orgId">The org.</param>
    /// <param name="subjectKey">The key (signal type, loop id and subject).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The aggregate id, or <see langword="null"/>.</returns>
    ValueTask<string?> GetOpenLoopAsync(string orgId, string subjectKey, CancellationToken cancellationToken = default);

    /// <summary>Records or clears the open loop for a subject key.</summary>
    /// <param name="orgId">The org.</param>
    /// <param name="subjectKey">The key.</param>
    /// <param name="aggregateId">The aggregate id, or <see langword="null"/> to clear.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when stored.</returns>
    ValueTask SetOpenLoopAsync(string orgId, string subjectKey, string? aggregateId, CancellationToken cancellationToken = default);

    /// <summary>Reads a signal type's current threshold.</summary>
    /// <param name="signalType">The signal type.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The threshold, or <see langword="null"/> when it never changed.</returns>
    ValueTask<double?> GetThresholdAsync(string signalType, CancellationToken cancellationToken = default);

    /// <summary>Records a threshold change and makes its new threshold current, atomically.</summary>
    /// <param name="change">The change.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when stored.</returns>
    ValueTask AddThresholdChangeAsync(ThresholdChange change, CancellationToken cancellationToken = default);

    /// <summary>Lists a signal type's threshold changes, oldest first.</summary>
    /// <param name="signalType">The signal type.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The changes.</returns>
    ValueTask<IReadOnlyList<ThresholdChange>> ListThresholdChangesAsync(string signalType, CancellationToken cancellationToken = default);

    /// <summary>Reads a named position (such as the outcome follower's position in the loop event stream).</summary>
    /// <param name="name">The name.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The position, or <see langword="null"/>.</returns>
    ValueTask<long?> GetPositionAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Stores a named position.</summary>
    /// <param name="name">The name.</param>
    /// <param name="position">The position.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when stored.</returns>
    ValueTask SetPositionAsync(string name, long position, CancellationToken cancellationToken = default);
}
