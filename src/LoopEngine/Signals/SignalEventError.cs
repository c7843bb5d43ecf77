namespace LoopEngine.Signals;

/// <summary>Why a raw event was rejected.</summary>
public enum SignalEventError
{
    /// <summary>The payload is not a JSON object, or a field a feature reads is not a number.</summary>
    MalformedPayload = 0,

    /// <summary>The event lacks a subject key its declared event type requires.</summary>
    MissingSubjectKey = 1,

    /// <summary>No feature reads the event type and none declares it, and unknown types are rejected.</summary>
    UnknownEventType = 2,
}
