namespace LoopEngine.Signals;

/// <summary>
/// The signal engine: turns raw operational events into windowed features per subject, scores them into signals,
/// triggers loops from them, and calibrates each signal type's threshold from how those loops end.
/// </summary>
public interface ISignalEngine
{
    /// <summary>Gets the signal definitions.</summary>
    IReadOnlyList<SignalDefinition> Definitions { get; }

    /// <summary>Ingests one event: placed in its windows, scored, and any signal stored, announced and triggered.</summary>
    /// <param name="rawEvent">The event.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>What became of it and the signals it produced.</returns>
    /// <exception cref="SignalEventException">The event is malformed, lacks a required subject key, or has an unknown type that is rejected.</exception>
    ValueTask<IngestResult> IngestAsync(RawEvent rawEvent, CancellationToken cancellationToken = default);

    /// <summary>Ingests a batch of events in order; a rejected event is reported in the result and does not stop the batch.</summary>
    /// <param name="rawEvents">The events.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The counts, the signals produced and the rejections.</returns>
    ValueTask<IngestResult> IngestAsync(IEnumerable<RawEvent> rawEvents, CancellationToken cancellationToken = default);

    /// <summary>Labels a signal hit or miss (explicitly, or from a loop's ending) and recalibrates its type's threshold.</summary>
    /// <param name="signalId">The signal's id.</param>
    /// <param name="label">The label.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The labelled signal; labelling a labelled signal again returns it unchanged.</returns>
    /// <exception cref="KeyNotFoundException">No such signal.</exception>
    ValueTask<Signal> LabelAsync(string signalId, SignalLabel label, CancellationToken cancellationToken = default);

    /// <summary>Lists the most recent emitted signals with their age, newest first (the Live Signals panel).</summary>
    /// <param name="maxCount">The most rows.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The rows.</returns>
    ValueTask<IReadOnlyList<LiveSignal>> GetLiveSignalsAsync(int maxCount = 20, CancellationToken cancellationToken = default);

    /// <summary>Gets a signal type's current threshold and accuracy over its labelled window.</summary>
    /// <param name="signalType">The signal type.</param>
    /// <returns>The statistics.</returns>
    /// <exception cref="ArgumentException">No such signal type.</exception>
    SignalTypeStatistics GetStatistics(string signalType);

    /// <summary>Gets the engine's counters.</summary>
    /// <returns>The counters.</returns>
    SignalEngineStatistics GetEngineStatistics();

    /// <summary>
    /// Follows the loop engine's event stream (from the position stored under <c>signals.outcomes</c>) and, when a
    /// triggered loop ends (<c>loop.completed</c>, <c>loop.error</c>, <c>loopengine.loop.cancelled</c>), labels its signals
    /// with the trigger's labelling rule and frees its subject for a new loop. Runs until cancelled.
    /// </summary>
    /// <param name="cancellationToken">Stops following.</param>
    /// <returns>A task that completes when cancelled.</returns>
    /// <exception cref="InvalidOperationException">The engine was built without a loop engine.</exception>
    Task FollowLoopOutcomesAsync(CancellationToken cancellationToken);
}
