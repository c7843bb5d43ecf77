using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace LoopEngine;

/// <summary>
/// RFC 8785 (JSON Canonicalization Scheme) writer: object members sorted by their UTF-16 code units, numbers in the
/// ECMAScript shortest round-trip form, strings with the minimal escaping JCS prescribes. Used for evidence and for
/// every hashed trace record, so all stores and both runtimes produce the same bytes.
/// </summary>
internal static class CanonicalJson
{
    /// <summary>The largest integer magnitude that I-JSON numbers represent exactly (2^53).</summary>
    private const double MaxExactInteger = 9007199254740992d;

    /// <summary>Writes <paramref name="element"/> canonically.</summary>
    /// <exception cref="EvidenceException">A number is outside I-JSON (not a finite double, or an integer beyond 2^53).</exception>
    public static void WriteElement(IBufferWriter<byte> output, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                Write(output, "{"u8);
                var first = true;
                foreach (var property in SortedProperties(element))
                {
                    if (!first)
                    {
                        Write(output, ","u8);
                    }

                    first = false;
                    WriteString(output, property.Name);
                    Write(output, ":"u8);
                    WriteElement(output, property.Value);
                }

                Write(output, "}"u8);
                break;
            case JsonValueKind.Array:
                Write(output, "["u8);
                var firstItem = true;
                foreach (var item in element.EnumerateArray())
                {
                    if (!firstItem)
                    {
                        Write(output, ","u8);
                    }

                    firstItem = false;
                    WriteElement(output, item);
                }

                Write(output, "]"u8);
                break;
            case JsonValueKind.String:
                WriteString(output, element.GetString()!);
                break;
            case JsonValueKind.Number:
                WriteNumber(output, ParseNumber(element));
                break;
            case JsonValueKind.True:
                Write(output, "true"u8);
                break;
            case JsonValueKind.False:
                Write(output, "false"u8);
                break;
            case JsonValueKind.Null:
                Write(output, "null"u8);
                break;
            default:
                throw new EvidenceException($"JSON value of kind {element.ValueKind} cannot be canonicalized.");
        }
    }

    private static List<JsonProperty> SortedProperties(JsonElement element)
    {
        var properties = new List<JsonProperty>();
        foreach (var property in element.EnumerateObject())
        {
            properties.Add(property);
        }

        // RFC 8785 sorts by UTF-16 code units, which is exactly ordinal string comparison in .NET.
        properties.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        return properties;
    }

    private static double ParseNumber(JsonElement element)
    {
        var raw = element.GetRawText();
        if (!element.TryGetDouble(out var value) || double.IsInfinity(value) || double.IsNaN(value))
        {
            throw new EvidenceException($"Number {Truncate(raw)} is outside I-JSON: numbers must be finite IEEE 754 doubles.");
        }

        var isIntegerLiteral = raw.IndexOfAny(['.', 'e', 'E']) < 0;
        if (isIntegerLiteral && Math.Abs(value) > MaxExactInteger)
        {
            throw new EvidenceException($"Integer {Truncate(raw)} is outside I-JSON: integers must lie within ±2^53 (9007199254740992) to be exact; send larger values as strings.");
        }

        return value;
    }

    private static string Truncate(string raw) => raw.Length > 40 ? raw[..40] + "…" : raw;

    public static void WriteString(IBufferWriter<byte> output, string value)
    {
        // Worst case: every char a six-byte \u00XX escape; UTF-8 needs at most three bytes per UTF-16 unit.
        var span = output.GetSpan(value.Length * 6 + 2);
        var written = 0;
        span[written++] = (byte)'"';
        var start = 0;
        for (var i = 0; i < value.Length; i++)
        {
            var ch = value[i];
            if (ch >= 0x20 && ch != '"' && ch != '\\')
            {
                continue;
            }

            written += Encoding.UTF8.GetBytes(value.AsSpan(start, i - start), span[written..]);
            span[written++] = (byte)'\\';
            switch (ch)
            {
                case '"': span[written++] = (byte)'"'; break;
                case '\\': span[written++] = (byte)'\\'; break;
                case '\b': span[written++] = (byte)'b'; break;
                case '\f': span[written++] = (byte)'f'; break;
                case '\n': span[written++] = (byte)'n'; break;
                case '\r': span[written++] = (byte)'r'; break;
                case '\t': span[written++] = (byte)'t'; break;
                default:
                    span[written++] = (byte)'u';
                    span[written++] = (byte)'0';
                    span[written++] = (byte)'0';
                    span[written++] = (byte)"0123456789abcdef"[ch >> 4];
                    span[written++] = (byte)"0123456789abcdef"[ch & 0xF];
                    break;
            }

            start = i + 1;
        }

        written += Encoding.UTF8.GetBytes(value.AsSpan(start), span[written..]);
        span[written++] = (byte)'"';
        output.Advance(written);
    }

    public static void WriteNumber(IBufferWriter<byte> output, double value)
    {
        Span<char> chars = stackalloc char[32];
        var length = FormatNumber(value, chars);
        var span = output.GetSpan(length);
        for (var i = 0; i < length; i++)
        {
            span[i] = (byte)chars[i];
        }

        output.Advance(length);
    }

    public static void WriteInteger(IBufferWriter<byte> output, long value)
    {
        var span = output.GetSpan(20);
        value.TryFormat(span, out var written, default, CultureInfo.InvariantCulture);
        output.Advance(written);
    }

    /// <summary>Formats a finite double as ECMAScript's Number.prototype.toString does (RFC 8785 section 3.2.2.3).</summary>
    public static string FormatNumber(double value)
    {
        Span<char> chars = stackalloc char[32];
        return new string(chars[..FormatNumber(value, chars)]);
    }

    private static int FormatNumber(double value, Span<char> destination)
    {
        if (value == 0)
        {
            destination[0] = '0';
            return 1;
        }

        // Shortest round-trip digits and decimal exponent from .NET ("R" is shortest round-trip since .NET Core 3.0).
        var shortest = value.ToString("R", CultureInfo.InvariantCulture);
        var negative = shortest[0] == '-';
        var body = negative ? shortest[1..] : shortest;
        string digits;
        int exponent; // value = 0.digits × 10^exponent  (ECMAScript's n)
        var ePos = body.IndexOfAny(['E', 'e']);
        var mantissa = ePos >= 0 ? body[..ePos] : body;
        var exp10 = ePos >= 0 ? int.Parse(body[(ePos + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture) : 0;
        var dot = mantissa.IndexOf('.', StringComparison.Ordinal);
        var intPart = dot >= 0 ? mantissa[..dot] : mantissa;
        var fracPart = dot >= 0 ? mantissa[(dot + 1)..] : string.Empty;
        var all = (intPart + fracPart).TrimStart('0');
        var leadingZerosRemoved = (intPart + fracPart).Length - all.Length;
        digits = all.TrimEnd('0');
        if (digits.Length == 0)
        {
            digits = "0";
        }

        exponent = intPart.Length - leadingZerosRemoved + exp10;
        var k = digits.Length;
        var n = exponent;
        var pos = 0;
        if (negative)
        {
            destination[pos++] = '-';
        }

        if (k <= n && n <= 21)
        {
            digits.AsSpan().CopyTo(destination[pos..]);
            pos += k;
            for (var i = 0; i < n - k; i++)
            {
                destination[pos++] = '0';
            }
        }
        else if (0 < n && n <= 21)
        {
            digits.AsSpan(0, n).CopyTo(destination[pos..]);
            pos += n;
            destination[pos++] = '.';
            digits.AsSpan(n).CopyTo(destination[pos..]);
            pos += k - n;
        }
        else if (-6 < n && n <= 0)
        {
            destination[pos++] = '0';
            destination[pos++] = '.';
            for (var i = 0; i < -n; i++)
            {
                destination[pos++] = '0';
            }

            digits.AsSpan().CopyTo(destination[pos..]);
            pos += k;
        }
        else
        {
            destination[pos++] = digits[0];
            if (k > 1)
            {
                destination[pos++] = '.';
                digits.AsSpan(1).CopyTo(destination[pos..]);
                pos += k - 1;
            }

            destination[pos++] = 'e';
            var e = n - 1;
            destination[pos++] = e < 0 ? '-' : '+';
            e.TryFormat(destination[pos..], out var ew, default, CultureInfo.InvariantCulture);
            if (e < 0)
            {
                // TryFormat wrote the minus sign again; drop it.
                destination.Slice(pos + 1, ew - 1).CopyTo(destination[pos..]);
                ew--;
            }

            pos += ew;
        }

        return pos;
    }

    private static void Write(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes)
    {
        var span = output.GetSpan(bytes.Length);
        bytes.CopyTo(span);
        output.Advance(bytes.Length);
    }

    public static void WriteRaw(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes) => Write(output, bytes);
}
