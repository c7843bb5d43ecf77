using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace LoopEngine;

/// <summary>
/// Writes events' wire JSON. Reference types carry exactly the reference schema's fields; the engine's own types
/// (<c>loopengine.*</c>) follow <c>docs/schemas/loopengine-event.schema.json</c>.
/// </summary>
internal sealed class EventWriter
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };
    private readonly ILoopIdGenerator _ids;

    // Set when the ids come from a DefaultLoopIdGenerator on the engine's own clock: an event's id then takes its
    // milliseconds from the event's time instead of reading the clock again.
    private readonly DefaultLoopIdGenerator? _ulidsOnEngineClock;

    public EventWriter(ILoopIdGenerator ids, TimeProvider? engineTime = null)
    {
        _ids = ids;
        _ulidsOnEngineClock = ids is DefaultLoopIdGenerator ulids && engineTime is not null && ReferenceEquals(ulids.Time, engineTime) ? ulids : null;
    }

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    /// <summary>Writes an event now (for rare paths whose body is a closure over locals).</summary>
    public LoopEvent Create(string type, string orgId, string loopId, string aggregateId, string correlationId, string? causationId, DateTimeOffset occurredAt, Action<Utf8JsonWriter> body)
    {
        var eventId = _ids.NewId("evt");
        var truncated = TraceCanonicalizer.Truncate(occurredAt);
        return new LoopEvent
        {
            EventId = eventId,
            Type = type,
            OrgId = orgId,
            LoopId = loopId,
            AggregateId = aggregateId,
            CorrelationId = correlationId,
            OccurredAt = truncated,
            Json = Render(eventId, type, orgId, loopId, aggregateId, correlationId, causationId, truncated, body, static (w, b) => b(w)),
        };
    }

    /// <summary>
    /// Creates an event whose JSON is written from <paramref name="state"/> by <paramref name="body"/> (a static lambda, so
    /// the hot path allocates no closure) the first time it is read. <paramref name="state"/> must hold only immutable values.
    /// </summary>
    public LoopEvent Create<TState>(string type, string orgId, string loopId, string aggregateId, string correlationId, string? causationId, DateTimeOffset occurredAt, TState state, Action<Utf8JsonWriter, TState> body)
    {
        var eventBody = new EventBody<TState>(causationId, state, body);
        var truncated = TraceCanonicalizer.Truncate(occurredAt);
        if (_ids is DefaultLoopIdGenerator ulids)
        {
            // Keep the id's 128 bits; its text is formatted when first read.
            var (high, low) = ReferenceEquals(ulids, _ulidsOnEngineClock) ? ulids.NewUlid(occurredAt) : ulids.NewUlid();
            return new LoopEvent(null, high, low, type, orgId, loopId, aggregateId, correlationId, truncated, eventBody);
        }

        return new LoopEvent(_ids.NewId("evt"), 0, 0, type, orgId, loopId, aggregateId, correlationId, truncated, eventBody);
    }

    /// <summary>Writes an event's wire JSON: the envelope, then the type's fields.</summary>
    internal static string Render<TState>(string eventId, string type, string orgId, string loopId, string aggregateId, string correlationId, string? causationId, DateTimeOffset occurredAt, TState state, Action<Utf8JsonWriter, TState> body)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        var writer = t_writer ??= new Utf8JsonWriter(buffer, WriterOptions);
        writer.Reset(buffer);
        writer.WriteStartObject();
        writer.WriteString("eventId", eventId);
        writer.WriteString("type", type);
        writer.WriteString("loopId", loopId);
        writer.WriteString("aggregateId", aggregateId);
        writer.WriteString("orgId", orgId);
        WriteTime(writer, "occurredAt", occurredAt);
        writer.WriteString("correlationId", correlationId);
        if (causationId is not null)
        {
            writer.WriteString("causationId", causationId);
        }

        body(writer, state);
        writer.WriteEndObject();
        writer.Flush();
        var json = System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);

        // Do not let one huge event pin a large buffer to the thread.
        if (buffer.Capacity > 256 * 1024)
        {
            t_buffer = null;
            t_writer = null;
        }

        return json;
    }

    /// <summary>Writes a time as <c>yyyy-MM-ddTHH:mm:ss.fffZ</c> without an intermediate string.</summary>
    public static void WriteTime(Utf8JsonWriter writer, string name, DateTimeOffset time)
    {
        Span<byte> utf8 = stackalloc byte[TraceCanonicalizer.TimeLength];
        TraceCanonicalizer.FormatTimeUtf8(time, utf8);
        writer.WriteString(name, utf8);
    }

    public static void WriteActor(Utf8JsonWriter writer, string name, Actor actor)
    {
        writer.WriteStartObject(name);
        writer.WriteString("type", actor.Type.ToWireName());
        writer.WriteString("id", actor.Id);
        writer.WriteEndObject();
    }

    /// <summary>Writes an actor with an agent's model, provider and confidence (the engine's own events only).</summary>
    public static void WriteFullActor(Utf8JsonWriter writer, string name, Actor actor)
    {
        writer.WriteStartObject(name);
        writer.WriteString("type", actor.Type.ToWireName());
        writer.WriteString("id", actor.Id);
        if (actor.ModelId is not null)
        {
            writer.WriteString("modelId", actor.ModelId);
        }

        if (actor.Provider is not null)
        {
            writer.WriteString("provider", actor.Provider);
        }

        if (actor.Confidence is { } confidence)
        {
            writer.WriteNumber("confidence", confidence);
        }

        writer.WriteEndObject();
    }

    public static void WriteEvidence(Utf8JsonWriter writer, string name, Evidence evidence)
    {
        writer.WritePropertyName(name);
        writer.WriteRawValue(evidence.Utf8.Span, skipInputValidation: true);
    }
}

/// <summary>The values an engine event's JSON is written from, kept until the JSON is first read.</summary>
internal abstract class EventBody
{
    /// <summary>Gets or sets the event the body was created with: a copy made with <c>with</c> renders its original's envelope, so its JSON never changes.</summary>
    public LoopEvent Origin { get; set; } = null!;

    /// <summary>Gets the JSON, written on first read and shared by every copy of the event (a store that stamps positions on read makes copies).</summary>
    public string Json => RenderedJson ??= Render();

    /// <summary>Gets the JSON if it has been written, otherwise <see langword="null"/>.</summary>
    public string? RenderedJson { get; private set; }

    public abstract string Render();
}

internal sealed class EventBody<TState>(string? causationId, TState state, Action<Utf8JsonWriter, TState> body) : EventBody
{
    /// <summary>Gets the causation id the envelope carries.</summary>
    public string? CausationId => causationId;

    /// <summary>Gets the values the JSON is written from.</summary>
    public TState State => state;

    /// <summary>Gets the writer of the type's fields.</summary>
    public Action<Utf8JsonWriter, TState> Writer => body;

    public override string Render() =>
        EventWriter.Render(Origin.EventId, Origin.Type, Origin.OrgId, Origin.LoopId, Origin.AggregateId, Origin.CorrelationId, causationId, Origin.OccurredAt, state, body);
}
