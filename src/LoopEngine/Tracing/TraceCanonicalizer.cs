using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;

namespace LoopEngine;

/// <summary>Writes a trace record's canonical JSON (RFC 8785, without its hash) and computes its SHA-256 hash.</summary>
internal static class TraceCanonicalizer
{
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    /// <summary>Truncates a time to whole milliseconds in UTC, as the trace format requires.</summary>
    public static DateTimeOffset Truncate(DateTimeOffset time)
    {
        var utcTicks = time.UtcTicks;
        return new DateTimeOffset(utcTicks - (utcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
    }

    /// <summary>Formats a time as the trace format and events do: <c>yyyy-MM-ddTHH:mm:ss.fffZ</c>.</summary>
    public static string FormatTime(DateTimeOffset time) =>
        Truncate(time).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>The length of <see cref="FormatTimeUtf8"/>'s output: <c>yyyy-MM-ddTHH:mm:ss.fffZ</c>.</summary>
    public const int TimeLength = 24;

    /// <summary>Writes a time as <see cref="FormatTime"/> does, in UTF-8, without an intermediate string; returns <see cref="TimeLength"/>.</summary>
    public static int FormatTimeUtf8(DateTimeOffset time, Span<byte> destination)
    {
        var utc = Truncate(time).UtcDateTime;
        var d = destination[..TimeLength];
        Digits(d, 0, utc.Year, 4);
        d[4] = (byte)'-';
        Digits(d, 5, utc.Month, 2);
        d[7] = (byte)'-';
        Digits(d, 8, utc.Day, 2);
        d[10] = (byte)'T';
        Digits(d, 11, utc.Hour, 2);
        d[13] = (byte)':';
        Digits(d, 14, utc.Minute, 2);
        d[16] = (byte)':';
        Digits(d, 17, utc.Second, 2);
        d[19] = (byte)'.';
        Digits(d, 20, utc.Millisecond, 3);
        d[23] = (byte)'Z';
        return TimeLength;
    }

    private static void Digits(Span<byte> destination, int at, int value, int count)
    {
        for (var i = at + count - 1; i >= at; i--)
        {
            destination[i] = (byte)('0' + (value % 10));
            value /= 10;
        }
    }

    /// <summary>Computes the hash of a record from its fields (its own <see cref="TransitionRecord.Hash"/> is ignored).</summary>
    public static string ComputeHash(TransitionRecord record) => ComputeHashValue(record).ToString();

    /// <summary>Computes the hash of a record from its fields as its 32 bytes (no hex text).</summary>
    public static TraceHash ComputeHashValue(TransitionRecord record)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        Write(buffer, record);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(buffer.WrittenSpan, hash);
        return TraceHash.FromBytes(hash);
    }

    /// <summary>Returns the canonical JSON text of a record without its hash.</summary>
    public static string ToCanonicalJson(TransitionRecord record)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        Write(buffer, record);
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static void Write(IBufferWriter<byte> o, TransitionRecord r)
    {
        Raw(o, "{\"actor\":"u8);
        WriteActor(o, r.Actor);
        Raw(o, ",\"aggregateId\":"u8);
        CanonicalJson.WriteString(o, r.AggregateId);
        Raw(o, ",\"causationId\":"u8);
        StringOrNull(o, r.CausationId);
        Raw(o, ",\"correlationId\":"u8);
        CanonicalJson.WriteString(o, r.CorrelationId);
        Raw(o, ",\"definitionVersion\":"u8);
        CanonicalJson.WriteString(o, r.DefinitionVersion);
        Raw(o, ",\"evidence\":"u8);
        Raw(o, r.Evidence.Utf8.Span);
        Raw(o, ",\"fromState\":"u8);
        StringOrNull(o, r.FromState);
        Raw(o, ",\"loopId\":"u8);
        CanonicalJson.WriteString(o, r.LoopId);
        Raw(o, ",\"occurredAt\":"u8);
        var time = o.GetSpan(TimeLength + 2);
        time[0] = (byte)'"';
        FormatTimeUtf8(r.OccurredAt, time[1..]);
        time[TimeLength + 1] = (byte)'"';
        o.Advance(TimeLength + 2);
        Raw(o, ",\"orgId\":"u8);
        CanonicalJson.WriteString(o, r.OrgId);
        Raw(o, ",\"previousHash\":"u8);
        if (r.PreviousHashValue is { } previousHash)
        {
            previousHash.WriteJsonString(o);
        }
        else
        {
            CanonicalJson.WriteString(o, r.PreviousHash);
        }
        Raw(o, ",\"recommendation\":"u8);
        if (r.RecommendationId is null && r.Recommender is null && r.RecommendationEvidence is null)
        {
            Raw(o, "null"u8);
        }
        else
        {
            Raw(o, "{\"evidence\":"u8);
            if (r.RecommendationEvidence is { } evidence)
            {
                Raw(o, evidence.Utf8.Span);
            }
            else
            {
                Raw(o, "null"u8);
            }

            Raw(o, ",\"id\":"u8);
            StringOrNull(o, r.RecommendationId);
            Raw(o, ",\"recommender\":"u8);
            if (r.Recommender is { } recommender)
            {
                WriteActor(o, recommender);
            }
            else
            {
                Raw(o, "null"u8);
            }

            Raw(o, "}"u8);
        }

        Raw(o, ",\"sequence\":"u8);
        CanonicalJson.WriteInteger(o, r.Sequence);
        Raw(o, ",\"toState\":"u8);
        CanonicalJson.WriteString(o, r.ToState);
        Raw(o, ",\"transitionId\":"u8);
        CanonicalJson.WriteString(o, r.TransitionId);
        Raw(o, ",\"warnings\":["u8);
        for (var i = 0; i < r.Warnings.Count; i++)
        {
            if (i > 0)
            {
                Raw(o, ","u8);
            }

            Raw(o, "{\"guardId\":"u8);
            CanonicalJson.WriteString(o, r.Warnings[i].GuardId);
            Raw(o, ",\"message\":"u8);
            CanonicalJson.WriteString(o, r.Warnings[i].Message);
            Raw(o, "}"u8);
        }

        Raw(o, "]}"u8);
    }

    private static void WriteActor(IBufferWriter<byte> o, Actor actor)
    {
        Raw(o, "{\"confidence\":"u8);
        if (actor.Confidence is { } confidence)
        {
            CanonicalJson.WriteNumber(o, confidence);
        }
        else
        {
            Raw(o, "null"u8);
        }

        Raw(o, ",\"id\":"u8);
        CanonicalJson.WriteString(o, actor.Id);
        Raw(o, ",\"modelId\":"u8);
        StringOrNull(o, actor.ModelId);
        Raw(o, ",\"provider\":"u8);
        StringOrNull(o, actor.Provider);
        Raw(o, ",\"type\":"u8);
        CanonicalJson.WriteString(o, actor.Type.ToWireName());
        Raw(o, "}"u8);
    }

    private static void StringOrNull(IBufferWriter<byte> o, string? value)
    {
        if (value is null)
        {
            Raw(o, "null"u8);
        }
        else
        {
            CanonicalJson.WriteString(o, value);
        }
    }

    private static void Raw(IBufferWriter<byte> o, ReadOnlySpan<byte> bytes) => CanonicalJson.WriteRaw(o, bytes);
}
