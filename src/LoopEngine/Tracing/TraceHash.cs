using System.Buffers;
using System.Buffers.Binary;

namespace LoopEngine;

/// <summary>
/// A trace hash as records and instances hold it: the 32 bytes of a SHA-256 hash (its lowercase hex text, 64 characters,
/// is written when read), or, for a text that is not 64 lowercase hex digits (a record built or loaded by hand, a tampered
/// store), that text verbatim. Immutable (the hex text is cached when first read); a record's hash, the next record's
/// previous hash and the instance's head hash share one instance.
/// </summary>
internal class TraceHash : IEquatable<TraceHash>
{
    /// <summary>The previous hash of record 1: 32 zero bytes (64 zeros).</summary>
    public static readonly TraceHash Genesis = new(0, 0, 0, 0);

    /// <summary>The empty text: a record's hash before the engine seals it.</summary>
    public static readonly TraceHash Empty = new Verbatim(string.Empty);

    private readonly ulong _a;
    private readonly ulong _b;
    private readonly ulong _c;
    private readonly ulong _d;

    // The hex text once written: a store that writes text columns reads a record's hash, the next record's previous hash
    // and the instance's head hash, one shared instance, so it is formatted once.
    private string? _hex;

    private TraceHash(ulong a, ulong b, ulong c, ulong d)
    {
        _a = a;
        _b = b;
        _c = c;
        _d = d;
    }

    /// <summary>Gets a value indicating whether this is the hex of 32 bytes (not a verbatim text).</summary>
    public bool IsBytes => Text is null;

    /// <summary>Gets the verbatim text of a hash that is not the lowercase hex of 32 bytes (then the bytes are unused), otherwise <see langword="null"/>.</summary>
    protected virtual string? Text => null;

    /// <summary>Creates a hash from its 32 bytes.</summary>
    public static TraceHash FromBytes(ReadOnlySpan<byte> hash)
    {
        if (hash.Length != 32)
        {
            throw new ArgumentException($"A SHA-256 hash has 32 bytes, not {hash.Length}.", nameof(hash));
        }

        return new TraceHash(
            BinaryPrimitives.ReadUInt64BigEndian(hash),
            BinaryPrimitives.ReadUInt64BigEndian(hash[8..]),
            BinaryPrimitives.ReadUInt64BigEndian(hash[16..]),
            BinaryPrimitives.ReadUInt64BigEndian(hash[24..]));
    }

    /// <summary>Holds a hash text: 64 lowercase hex digits as their 32 bytes, any other text verbatim; <see langword="null"/> stays <see langword="null"/>.</summary>
    public static TraceHash? Parse(string? text)
    {
        if (text is null)
        {
            return null;
        }

        if (ReferenceEquals(text, TransitionRecord.GenesisHash))
        {
            return Genesis;
        }

        if (text.Length == 0)
        {
            return Empty;
        }

        if (text.Length != 64)
        {
            return new Verbatim(text);
        }

        foreach (var ch in text)
        {
            if (ch is not ((>= '0' and <= '9') or (>= 'a' and <= 'f')))
            {
                return new Verbatim(text);
            }
        }

        Span<byte> bytes = stackalloc byte[32];
        Convert.FromHexString(text, bytes, out _, out _);
        return FromBytes(bytes);
    }

    /// <summary>Writes the 32 bytes (only for <see cref="IsBytes"/>).</summary>
    public void WriteBytes(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, _a);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _b);
        BinaryPrimitives.WriteUInt64BigEndian(destination[16..], _c);
        BinaryPrimitives.WriteUInt64BigEndian(destination[24..], _d);
    }

    /// <summary>Writes the text as a JSON string (canonical JSON: hex needs no escaping).</summary>
    public void WriteJsonString(IBufferWriter<byte> output)
    {
        if (Text is { } text)
        {
            CanonicalJson.WriteString(output, text);
            return;
        }

        var span = output.GetSpan(66);
        span[0] = (byte)'"';
        Hex(_a, span[1..]);
        Hex(_b, span[17..]);
        Hex(_c, span[33..]);
        Hex(_d, span[49..]);
        span[65] = (byte)'"';
        output.Advance(66);
    }

    private static void Hex(ulong value, Span<byte> destination)
    {
        for (var i = 15; i >= 0; i--)
        {
            destination[i] = "0123456789abcdef"u8[(int)(value & 15)];
            value >>= 4;
        }
    }

    /// <summary>Returns the text: 64 lowercase hex digits, or the verbatim text.</summary>
    public override string ToString()
    {
        if (Text is { } text)
        {
            return text;
        }

        return _hex ??= Format();
    }

    private string Format()
    {
        Span<byte> bytes = stackalloc byte[32];
        WriteBytes(bytes);
        return Convert.ToHexStringLower(bytes);
    }

    /// <inheritdoc/>
    public bool Equals(TraceHash? other) =>
        other is not null
        && (ReferenceEquals(this, other)
            || (_a == other._a && _b == other._b && _c == other._c && _d == other._d && string.Equals(Text, other.Text, StringComparison.Ordinal)));

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as TraceHash);

    /// <inheritdoc/>
    public override int GetHashCode() => Text is { } text ? StringComparer.Ordinal.GetHashCode(text) : HashCode.Combine(_a, _b, _c, _d);

    /// <summary>A text kept verbatim (the 32-byte form needs no field for it).</summary>
    private sealed class Verbatim(string text) : TraceHash(0, 0, 0, 0)
    {
        protected override string? Text => text;
    }
}
