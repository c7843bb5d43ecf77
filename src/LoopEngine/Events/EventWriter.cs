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

    public EventWriter(ILoopIdGenerator ids) => _ids = ids;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    public LoopEvent Create(string type, string orgId, string loopId, string aggregateId, string correlationId, string? causationId, DateTimeOffset occurredAt, Action<Utf8JsonWriter> body) =>
        Create(type, orgId, loopId, aggregateId, correlationId, causationId, occurredAt, body, static (w, b) => b(w));

    /// <summary>Writes an event; <paramref name="body"/> is a static lambda over <paramref name="state"/>, so the hot path allocates no closure.</summary>
    public LoopEvent Create<TState>(string type, string orgId, string loopId, string aggregateId, string correlationId, string? causationId, DateTimeOffset occurredAt, TState state, Action<Utf8JsonWriter, TState> body)
    {
        var eventId = _ids.NewId("evt");
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

        return new LoopEvent
        {
            EventId = eventId,
            Type = type,
            OrgId = orgId,
            LoopId = loopId,
            AggregateId = aggregateId,
            CorrelationId = correlationId,
            OccurredAt = TraceCanonicalizer.Truncate(occurredAt),
            Json = json,
        };
    }

    /// <summary>Writes a time as <c>yyyy-MM-ddTHH:mm:ss.fffZ</c> without an intermediate string.</summary>
    public static void WriteTime(Utf8JsonWriter writer, string name, DateTimeOffset time)
    {
        Span<byte> utf8 = stackalloc byte[32];
        TraceCanonicalizer.Truncate(time).UtcDateTime.TryFormat(utf8, out var written, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);
        writer.WriteString(name, utf8[..written]);
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
