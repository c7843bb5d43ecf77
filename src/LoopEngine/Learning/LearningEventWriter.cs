using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace LoopEngine.Learning;

/// <summary>Builds the wire JSON of <c>loop.outcome.recorded</c> and <c>loopengine.estimate.updated</c>.</summary>
internal static class LearningEventWriter
{
    public static string Timestamp(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Exactly the reference schema's fields: eventId, loopId, aggregateId, orgId, occurredAt, correlationId, optional causationId, type, outcomeId, valueUnit, businessMetrics, durationMs.</summary>
    public static LoopEvent OutcomeRecorded(string eventId, LoopOutcome outcome, DateTimeOffset occurredAt, string? causationId)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            WriteBase(w, eventId, outcome.LoopId, outcome.AggregateId, outcome.OrgId, occurredAt, outcome.CorrelationId, causationId);
            w.WriteString("type", LoopEventTypes.OutcomeRecorded);
            w.WriteString("outcomeId", outcome.OutcomeId);
            w.WriteString("valueUnit", outcome.ValueUnit);
            w.WriteStartObject("businessMetrics");
            foreach (var m in outcome.Metrics)
            {
                w.WriteStartObject(m.MetricId);
                w.WriteString("kind", KindName(m.Kind));
                w.WriteString("unit", m.Unit);
                WriteValue(w, "predicted", m.Predicted, m.Unit);
                WriteValue(w, "actual", m.Actual, m.Unit);
                if (m.Delta is { } d)
                {
                    w.WriteNumber("delta", d);
                }

                if (m.IsHit is { } hit)
                {
                    w.WriteBoolean("hit", hit);
                }

                w.WriteEndObject();
            }

            w.WriteEndObject();
            w.WriteNumber("durationMs", (long)outcome.Duration.TotalMilliseconds);
            w.WriteEndObject();
        }

        return new LoopEvent
        {
            EventId = eventId,
            Type = LoopEventTypes.OutcomeRecorded,
            OrgId = outcome.OrgId,
            LoopId = outcome.LoopId,
            AggregateId = outcome.AggregateId,
            CorrelationId = outcome.CorrelationId,
            OccurredAt = occurredAt,
            Json = Encoding.UTF8.GetString(buffer.WrittenSpan),
        };
    }

    public static LoopEvent EstimateUpdated(string eventId, LoopOutcome outcome, string outcomeEventId, string metricId, double? oldValue, Estimate estimate, double observation, DateTimeOffset occurredAt)
    {
        var buffer = new ArrayBufferWriter<byte>(384);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            WriteBase(w, eventId, outcome.LoopId, outcome.AggregateId, outcome.OrgId, occurredAt, outcome.CorrelationId, outcomeEventId);
            w.WriteString("type", LoopEventTypes.EstimateUpdated);
            w.WriteString("key", estimate.Key);
            w.WriteString("estimator", EstimatorName(estimate.Estimator));
            w.WriteString("unit", estimate.Unit);
            if (oldValue is { } old)
            {
                w.WriteNumber("oldValue", old);
            }
            else
            {
                w.WriteNull("oldValue");
            }

            w.WriteNumber("newValue", estimate.Value);
            w.WriteNumber("observation", observation);
            w.WriteNumber("count", estimate.Count);
            w.WriteString("outcomeId", outcome.OutcomeId);
            w.WriteString("metricId", metricId);
            w.WriteEndObject();
        }

        return new LoopEvent
        {
            EventId = eventId,
            Type = LoopEventTypes.EstimateUpdated,
            OrgId = outcome.OrgId,
            LoopId = outcome.LoopId,
            AggregateId = outcome.AggregateId,
            CorrelationId = outcome.CorrelationId,
            OccurredAt = occurredAt,
            Json = Encoding.UTF8.GetString(buffer.WrittenSpan),
        };
    }

    public static string KindName(OutcomeMetricKind kind) => kind switch
    {
        OutcomeMetricKind.Number => "number",
        OutcomeMetricKind.Duration => "duration",
        OutcomeMetricKind.Category => "category",
        _ => "boolean",
    };

    public static string EstimatorName(EstimatorKind kind) => kind switch
    {
        EstimatorKind.ExponentialMean => "ewma",
        EstimatorKind.RunningMean => "mean",
        _ => "quantile",
    };

    /// <summary>Writes a value: numbers and booleans as JSON numbers and booleans, durations as numbers in the unit, categories as strings.</summary>
    public static void WriteValue(Utf8JsonWriter w, string name, OutcomeValue? value, string unit)
    {
        switch (value)
        {
            case null:
                w.WriteNull(name);
                break;
            case { Kind: OutcomeMetricKind.Number }:
                w.WriteNumber(name, value.NumberValue);
                break;
            case { Kind: OutcomeMetricKind.Duration }:
                w.WriteNumber(name, DurationUnits.ToNumber(value.DurationValue, unit));
                break;
            case { Kind: OutcomeMetricKind.Category }:
                w.WriteString(name, value.CategoryValue);
                break;
            default:
                w.WriteBoolean(name, value.BooleanValue);
                break;
        }
    }

    private static void WriteBase(Utf8JsonWriter w, string eventId, string loopId, string aggregateId, string orgId, DateTimeOffset occurredAt, string correlationId, string? causationId)
    {
        w.WriteString("eventId", eventId);
        w.WriteString("loopId", loopId);
        w.WriteString("aggregateId", aggregateId);
        w.WriteString("orgId", orgId);
        w.WriteString("occurredAt", Timestamp(occurredAt));
        w.WriteString("correlationId", correlationId);
        if (causationId is not null)
        {
            w.WriteString("causationId", causationId);
        }
    }
}
