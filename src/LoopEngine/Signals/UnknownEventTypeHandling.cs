namespace LoopEngine.Signals;

/// <summary>What the signal engine does with an event type no feature reads and none declares.</summary>
public enum UnknownEventTypeHandling
{
    /// <summary>Count it and ignore it.</summary>
    Ignore = 0,

    /// <summary>Reject it with <see cref="SignalEventException"/> (<see cref="SignalEventError.UnknownEventType"/>).</summary>
    Reject = 1,
}
