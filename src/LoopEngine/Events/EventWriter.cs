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

    public LoopEvent Create(string type, string orgId, string loopId, string aggregateId, string correlationId, string? causationId, DateTimeOffset occurredAt, Action<Utf8JsonWriter> body)
    {
        var eventId = _ids.NewId("evt");
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("eventId", eventId);
            writer.WriteString("type", type);
            writer.WriteString("loopId", loopId);
            writer.WriteString("aggregateId", aggregateId);
            writer.WriteString("orgId", orgId);
            writer.WriteString("occurredAt", TraceCanonicalizer.FormatTime(occurredAt));
            writer.WriteString("correlationId", correlationId);
            if (causationId is not null)
            {
                writer.WriteString("causationId", causationId);
            }

            body(writer);
            writer.WriteEndObject();
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
            Json = System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan),
        };
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
