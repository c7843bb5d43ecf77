using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace LoopEngine.Signals;

/// <summary>Writes the signal engine's events and the start evidence of triggered loops.</summary>
internal static class SignalEventWriter
{
    public static LoopEvent Emitted(Signal signal, string eventId, DateTimeOffset at) =>
        Build(LoopEventTypes.SignalEmitted, eventId, signal.OrgId, string.Empty, string.Empty, signal.Id, null, at, w =>
        {
            w.WriteString("signalId", signal.Id);
            w.WriteString("signalType", signal.Type);
            WriteSignalBody(w, signal);
        });

    public static LoopEvent Received(Signal signal, LoopInstance instance, string eventId, DateTimeOffset at) =>
        Build(LoopEventTypes.SignalReceived, eventId, instance.OrgId, instance.LoopId, instance.AggregateId, instance.CorrelationId, signal.Id, at, w =>
        {
            w.WriteString("signalType", signal.Type);
            w.WriteNumber("confidence", signal.Confidence);
            w.WriteString("triggeredLoopId", instance.AggregateId);
        });

    public static LoopEvent ThresholdChanged(ThresholdChange change, string orgId, string eventId) =>
        Build(LoopEventTypes.ThresholdChanged, eventId, orgId, string.Empty, string.Empty, eventId, null, change.ChangedAt, w =>
        {
            w.WriteString("signalType", change.SignalType);
            w.WriteNumber("thresholdBefore", change.ThresholdBefore);
            w.WriteNumber("thresholdAfter", change.ThresholdAfter);
            w.WriteNumber("precisionBefore", change.PrecisionBefore);
            w.WriteNumber("precisionAfter", change.PrecisionAfter);
            w.WriteNumber("sampleSize", change.SampleSize);
            w.WriteNumber("targetPrecision", change.TargetPrecision);
        });

    public static Evidence StartEvidence(Signal signal)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("signalId", signal.Id);
            w.WriteString("signalType", signal.Type);
            WriteSignalBody(w, signal);
            w.WriteEndObject();
        }

        return Evidence.ParseUtf8(buffer.WrittenSpan);
    }

    public static string Timestamp(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static void WriteSignalBody(Utf8JsonWriter w, Signal signal)
    {
        w.WriteNumber("confidence", Math.Round(signal.Confidence, 6));
        w.WriteNumber("threshold", Math.Round(signal.Threshold, 6));
        w.WriteStartObject("subject");
        foreach (var (k, v) in signal.Subject)
        {
            w.WriteString(k, v);
        }

        w.WriteEndObject();
        w.WriteStartObject("attributes");
        foreach (var (k, v) in signal.Attributes)
        {
            w.WriteNumber(k, v);
        }

        w.WriteEndObject();
        w.WriteString("signalOccurredAt", Timestamp(signal.OccurredAt));
        w.WriteString("sourceEventId", signal.EventId);
    }

    private static LoopEvent Build(string type, string eventId, string orgId, string loopId, string aggregateId, string correlationId, string? causationId, DateTimeOffset at, Action<Utf8JsonWriter> body)
    {
        var occurredAt = new DateTimeOffset(at.UtcTicks - (at.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("type", type);
            w.WriteString("eventId", eventId);
            if (loopId.Length > 0)
            {
                w.WriteString("loopId", loopId);
                w.WriteString("aggregateId", aggregateId);
            }

            w.WriteString("orgId", orgId);
            w.WriteString("occurredAt", Timestamp(occurredAt));
            w.WriteString("correlationId", correlationId);
            if (causationId is not null)
            {
                w.WriteString("causationId", causationId);
            }

            body(w);
            w.WriteEndObject();
        }

        return new LoopEvent
        {
            EventId = eventId,
            Type = type,
            OrgId = orgId,
            LoopId = loopId,
            AggregateId = aggregateId,
            CorrelationId = correlationId,
            OccurredAt = occurredAt,
            Json = Encoding.UTF8.GetString(buffer.WrittenSpan),
        };
    }
}
