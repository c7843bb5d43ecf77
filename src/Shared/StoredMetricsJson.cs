using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using LoopEngine.Learning;

namespace LoopEngine.Stores;

/// <summary>
/// An outcome's metrics as the JSON both durable stores keep (not hashed; SQLite as text, PostgreSQL as <c>jsonb</c>): an
/// array in the outcome's order,
/// kinds as their enum numbers, durations as ticks, finite doubles as shortest round-trip numbers, and non-finite
/// doubles and negative zero as strings, so every value reads back exactly.
/// </summary>
internal static class StoredMetricsJson
{
    public static string Write(IReadOnlyList<MetricComparison> metrics)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartArray();
            foreach (var m in metrics)
            {
                w.WriteStartObject();
                w.WriteString("id", m.MetricId);
                w.WriteNumber("kind", (int)m.Kind);
                w.WriteString("unit", m.Unit);
                WriteValue(w, "predicted", m.Predicted);
                WriteValue(w, "actual", m.Actual);
                if (m.Delta is { } delta)
                {
                    WriteDouble(w, "delta", delta);
                }

                if (m.DurationDelta is { } durationDelta)
                {
                    w.WriteNumber("durationDelta", durationDelta.Ticks);
                }

                if (m.IsHit is { } isHit)
                {
                    w.WriteBoolean("isHit", isHit);
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static IReadOnlyList<MetricComparison> Read(string json)
    {
        using var document = JsonDocument.Parse(json);
        var metrics = new List<MetricComparison>();
        foreach (var e in document.RootElement.EnumerateArray())
        {
            metrics.Add(new MetricComparison
            {
                MetricId = e.GetProperty("id").GetString()!,
                Kind = (OutcomeMetricKind)e.GetProperty("kind").GetInt32(),
                Unit = e.GetProperty("unit").GetString()!,
                Predicted = ReadValue(e, "predicted"),
                Actual = ReadValue(e, "actual"),
                Delta = e.TryGetProperty("delta", out var delta) ? ReadDouble(delta) : null,
                DurationDelta = e.TryGetProperty("durationDelta", out var durationDelta) ? TimeSpan.FromTicks(durationDelta.GetInt64()) : null,
                IsHit = e.TryGetProperty("isHit", out var isHit) ? isHit.GetBoolean() : null,
            });
        }

        return metrics;
    }

    private static void WriteValue(Utf8JsonWriter w, string name, OutcomeValue? value)
    {
        if (value is null)
        {
            return;
        }

        w.WriteStartObject(name);
        w.WriteNumber("kind", (int)value.Kind);
        switch (value.Kind)
        {
            case OutcomeMetricKind.Number:
                WriteDouble(w, "number", value.NumberValue);
                break;
            case OutcomeMetricKind.Duration:
                w.WriteNumber("ticks", value.DurationValue.Ticks);
                break;
            case OutcomeMetricKind.Category:
                w.WriteString("category", value.CategoryValue);
                break;
            default:
                w.WriteBoolean("boolean", value.BooleanValue);
                break;
        }

        w.WriteEndObject();
    }

    private static OutcomeValue? ReadValue(JsonElement metric, string name)
    {
        if (!metric.TryGetProperty(name, out var e))
        {
            return null;
        }

        return (OutcomeMetricKind)e.GetProperty("kind").GetInt32() switch
        {
            OutcomeMetricKind.Number => OutcomeValue.Number(ReadDouble(e.GetProperty("number"))),
            OutcomeMetricKind.Duration => OutcomeValue.Duration(TimeSpan.FromTicks(e.GetProperty("ticks").GetInt64())),
            OutcomeMetricKind.Category => OutcomeValue.Category(e.GetProperty("category").GetString()!),
            _ => OutcomeValue.Boolean(e.GetProperty("boolean").GetBoolean()),
        };
    }

    private static void WriteDouble(Utf8JsonWriter w, string name, double value)
    {
        w.WritePropertyName(name);
        WriteDoubleValue(w, value);
    }

    /// <summary>Writes a double so that it reads back exactly: finite ones as numbers, non-finite ones and negative zero as text.</summary>
    public static void WriteDoubleValue(Utf8JsonWriter w, double value)
    {
        // Negative zero as text too: jsonb keeps numbers as numeric, which has no negative zero.
        if (double.IsFinite(value) && !(value == 0 && double.IsNegative(value)))
        {
            w.WriteNumberValue(value);
        }
        else
        {
            w.WriteStringValue(value.ToString("R", CultureInfo.InvariantCulture));
        }
    }

    /// <summary>Reads a double written by <see cref="WriteDoubleValue"/>.</summary>
    public static double ReadDouble(JsonElement e) =>
        e.ValueKind == JsonValueKind.String ? double.Parse(e.GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture) : e.GetDouble();
}
