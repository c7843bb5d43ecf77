namespace LoopEngine.Signals;

/// <summary>A raw event was rejected; <see cref="Error"/> says why.</summary>
public sealed class SignalEventException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="error">Why the event was rejected.</param>
    /// <param name="eventId">The event's id.</param>
    /// <param name="eventType">The event's type.</param>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause, or <see langword="null"/>.</param>
    public SignalEventException(SignalEventError error, string eventId, string eventType, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Error = error;
        EventId = eventId;
        EventType = eventType;
    }

    /// <summary>Gets why the event was rejected.</summary>
    public SignalEventError Error { get; }

    /// <summary>Gets the event's id.</summary>
    public string EventId { get; }

    /// <summary>Gets the event's type.</summary>
    public string EventType { get; }
}
