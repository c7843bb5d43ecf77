namespace LoopEngine;

/// <summary>
/// One event of the engine's stream, as stored: its global position, the columns stores index, and its wire JSON
/// (<see cref="Json"/>), which for reference types has exactly the fields of the reference schema.
/// </summary>
public sealed record LoopEvent
{
    /// <summary>Gets the global position in the stream (assigned by the store; 0 before the event is stored).</summary>
    public long Position { get; init; }

    /// <summary>Gets the event id.</summary>
    public required string EventId { get; init; }

    /// <summary>Gets the type (<see cref="LoopEventTypes"/>).</summary>
    public required string Type { get; init; }

    /// <summary>Gets the org.</summary>
    public required string OrgId { get; init; }

    /// <summary>Gets the loop id (empty for events that belong to no loop, such as signal events).</summary>
    public required string LoopId { get; init; }

    /// <summary>Gets the aggregate id (empty for events that belong to no loop).</summary>
    public required string AggregateId { get; init; }

    /// <summary>Gets the correlation id.</summary>
    public required string CorrelationId { get; init; }

    /// <summary>Gets when the event occurred (UTC, whole milliseconds).</summary>
    public required DateTimeOffset OccurredAt { get; init; }

    /// <summary>Gets the event's wire JSON.</summary>
    public required string Json { get; init; }
}
