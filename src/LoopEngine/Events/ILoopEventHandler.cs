namespace LoopEngine;

/// <summary>
/// An in-process subscriber registered through DI. The dispatcher feeds it every event from its durable checkpoint on
/// (catch-up, then live; at least once), retries it with back-off when it throws, then parks the event with a log entry
/// and moves on, never stopping the other handlers.
/// </summary>
public interface ILoopEventHandler
{
    /// <summary>Gets the handler's name: the key of its durable checkpoint. Unique per host.</summary>
    string Name { get; }

    /// <summary>Handles one event. Must be idempotent: delivery is at least once.</summary>
    /// <param name="loopEvent">The event.</param>
    /// <param name="cancellationToken">Cancelled when the host stops.</param>
    /// <returns>A task that completes when the event is handled.</returns>
    ValueTask HandleAsync(LoopEvent loopEvent, CancellationToken cancellationToken);
}
