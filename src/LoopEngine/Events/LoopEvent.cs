using System.Diagnostics.CodeAnalysis;

namespace LoopEngine;

/// <summary>
/// One event of the engine's stream, as stored: its global position, the columns stores index, and its wire JSON
/// (<see cref="Json"/>), which for reference types has exactly the fields of the reference schema.
/// </summary>
public sealed record LoopEvent
{
    private readonly EventBody? _body;
    private readonly ulong _idHigh;
    private readonly ulong _idLow;
    private string? _eventId;
    private string? _json;

    /// <summary>Creates an event; set every required property.</summary>
    public LoopEvent()
    {
    }

    /// <summary>Creates an engine event whose wire JSON is written from <paramref name="body"/> when it is first read.</summary>
    [SetsRequiredMembers]
#pragma warning disable CS8618 // Json is written from the body on first read.
    internal LoopEvent(string? eventId, ulong idHigh, ulong idLow, string type, string orgId, string loopId, string aggregateId, string correlationId, DateTimeOffset occurredAt, EventBody body)
    {
        _eventId = eventId;
        _idHigh = idHigh;
        _idLow = idLow;
        Type = type;
        OrgId = orgId;
        LoopId = loopId;
        AggregateId = aggregateId;
        CorrelationId = correlationId;
        OccurredAt = occurredAt;
        _body = body;
        body.Origin = this;
    }
#pragma warning restore CS8618

    /// <summary>Gets the body the JSON is written from (engine events), or <see langword="null"/>.</summary>
    internal EventBody? Body => _body;

    /// <summary>Gets the 128 bits of a default-generated id (both 0 when the id was given as text).</summary>
    internal (ulong High, ulong Low) IdBits => (_idHigh, _idLow);

    /// <summary>Gets the id text if it has been set or formatted, otherwise <see langword="null"/>.</summary>
    internal string? EventIdText => _eventId;

    /// <summary>Gets the JSON text if it has been set or read, otherwise <see langword="null"/>.</summary>
    internal string? JsonText => _json;

    /// <summary>Gets the global position in the stream (assigned by the store; 0 before the event is stored).</summary>
    public long Position { get; init; }

    /// <summary>Gets the event id.</summary>
    /// <remarks>An id the default generator drew is kept as its 128 bits and formatted when first read.</remarks>
    public required string EventId
    {
        get => _eventId ??= DefaultLoopIdGenerator.Format("evt", _idHigh, _idLow);
        init => _eventId = value;
    }

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
    /// <remarks>
    /// The engine's events are immutable values; their JSON is written from those values the first time it is read
    /// (always the same bytes), so an event that nobody reads costs no serialization.
    /// </remarks>
    public required string Json
    {
        get => _json ??= _body!.Json;
        init => _json = value;
    }

    /// <inheritdoc/>
    public bool Equals(LoopEvent? other) =>
        other is not null
        && (ReferenceEquals(this, other)
            || (Position == other.Position
                && string.Equals(EventId, other.EventId, StringComparison.Ordinal)
                && string.Equals(Type, other.Type, StringComparison.Ordinal)
                && string.Equals(OrgId, other.OrgId, StringComparison.Ordinal)
                && string.Equals(LoopId, other.LoopId, StringComparison.Ordinal)
                && string.Equals(AggregateId, other.AggregateId, StringComparison.Ordinal)
                && string.Equals(CorrelationId, other.CorrelationId, StringComparison.Ordinal)
                && OccurredAt.Equals(other.OccurredAt)
                && string.Equals(Json, other.Json, StringComparison.Ordinal)));

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Position, EventId, Type, OrgId, LoopId, AggregateId, CorrelationId, OccurredAt);
}
