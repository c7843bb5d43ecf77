namespace LoopEngine;

/// <summary>An event a handler failed on after every attempt.</summary>
/// <param name="HandlerName">The handler.</param>
/// <param name="Event">The event.</param>
/// <param name="Error">The last error's message.</param>
public sealed record ParkedEvent(string HandlerName, LoopEvent Event, string Error);
