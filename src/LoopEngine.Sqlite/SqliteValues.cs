using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using LoopEngine.Learning;
using LoopEngine.Stores;
using Microsoft.Data.Sqlite;

namespace LoopEngine.Sqlite;

/// <summary>
/// How the signal and learning stores write values so they read back exactly: doubles as 8-byte floats in columns without
/// affinity (NaN, which SQLite keeps as NULL, reads back as NaN), times as UTC ticks plus the offset in minutes,
/// dictionaries and lists as JSON in their enumeration order (non-finite numbers as the strings <c>NaN</c>, <c>Infinity</c>, <c>-Infinity</c>).
/// </summary>
internal static class SqliteValues
{
    public static object Real(double value) => double.IsNaN(value) ? DBNull.Value : value;

    public static object Real(double? value) => value is { } v ? Real(v) : DBNull.Value;

    public static double ReadReal(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? double.NaN : reader.GetDouble(ordinal);

    public static object Text(string? value) => value is null ? DBNull.Value : value;

    public static string? ReadText(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    /// <summary>Binds a time as <c>{name}_at</c> (UTC ticks) and <c>{name}_offset</c> (minutes).</summary>
    public static void AddTime(SqliteParameterCollection parameters, string name, DateTimeOffset time)
    {
        parameters.AddWithValue("@" + name + "_at", time.UtcTicks);
        parameters.AddWithValue("@" + name + "_offset", (long)time.Offset.TotalMinutes);
    }

    public static DateTimeOffset ReadTime(SqliteDataReader reader, int ordinal) =>
        StoreRows.TimeWithOffset(reader.GetInt64(ordinal), reader.GetInt32(ordinal + 1));

    public static string WriteStrings(IReadOnlyDictionary<string, string> map) => Write(w =>
    {
        w.WriteStartObject();
        foreach (var (key, value) in map)
        {
            w.WriteString(key, value);
        }

        w.WriteEndObject();
    });

    public static Dictionary<string, string> ReadStrings(string json)
    {
        using var document = JsonDocument.Parse(json);
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in document.RootElement.EnumerateObject())
        {
            map.Add(property.Name, property.Value.GetString()!);
        }

        return map;
    }

    public static string WriteNumbers(IReadOnlyDictionary<string, double> map) => Write(w =>
    {
        w.WriteStartObject();
        foreach (var (key, value) in map)
        {
            w.WritePropertyName(key);
            StoredMetricsJson.WriteDoubleValue(w, value);
        }

        w.WriteEndObject();
    });

    public static Dictionary<string, double> ReadNumbers(string json)
    {
        using var document = JsonDocument.Parse(json);
        var map = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var property in document.RootElement.EnumerateObject())
        {
            map.Add(property.Name, StoredMetricsJson.ReadDouble(property.Value));
        }

        return map;
    }

    public static string WriteList(IReadOnlyList<double> values) => Write(w =>
    {
        w.WriteStartArray();
        foreach (var value in values)
        {
            StoredMetricsJson.WriteDoubleValue(w, value);
        }

        w.WriteEndArray();
    });

    public static double[] ReadList(string json)
    {
        using var document = JsonDocument.Parse(json);
        var values = new double[document.RootElement.GetArrayLength()];
        var i = 0;
        foreach (var element in document.RootElement.EnumerateArray())
        {
            values[i++] = StoredMetricsJson.ReadDouble(element);
        }

        return values;
    }

    private static string Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
