using System.Buffers;
using System.Text;
using System.Text.Json;

namespace LoopEngine;

/// <summary>
/// The evidence of a transition: a JSON object, validated once (object, size, depth, no duplicate property names,
/// I-JSON numbers) and kept as RFC 8785 canonical text, so its hash is the same in every store.
/// </summary>
public sealed class Evidence : IEquatable<Evidence>
{
    /// <summary>The default largest evidence accepted, in UTF-8 bytes (64 KiB).</summary>
    public const int DefaultMaxBytes = 64 * 1024;

    /// <summary>The default deepest nesting accepted.</summary>
    public const int DefaultMaxDepth = 32;

    private readonly byte[] _utf8;
    private JsonDocument? _document;

    private Evidence(byte[] canonicalUtf8, int depth)
    {
        _utf8 = canonicalUtf8;
        Depth = depth;
    }

    /// <summary>Gets the empty evidence, <c>{}</c>.</summary>
    public static Evidence Empty { get; } = new("{}"u8.ToArray(), 1);

    /// <summary>Gets the canonical JSON text.</summary>
    public string Json => field ??= Encoding.UTF8.GetString(_utf8);

    /// <summary>Gets the canonical UTF-8 bytes.</summary>
    public ReadOnlyMemory<byte> Utf8 => _utf8;

    /// <summary>Gets the size of the canonical form in bytes.</summary>
    public int ByteCount => _utf8.Length;

    /// <summary>Gets the nesting depth (1 for a flat object).</summary>
    public int Depth { get; }

    /// <summary>Gets the evidence as a JSON element (an object).</summary>
    public JsonElement Root => (_document ??= JsonDocument.Parse(_utf8)).RootElement;

    /// <summary>Parses evidence from JSON text.</summary>
    /// <param name="json">A JSON object.</param>
    /// <param name="maxBytes">The largest size accepted, in UTF-8 bytes.</param>
    /// <param name="maxDepth">The deepest nesting accepted.</param>
    /// <returns>The evidence.</returns>
    /// <exception cref="EvidenceException">The text is not a JSON object within the limits, has duplicate property names, or has a number outside I-JSON.</exception>
    public static Evidence Parse(string json, int maxBytes = DefaultMaxBytes, int maxDepth = DefaultMaxDepth)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (Encoding.UTF8.GetMaxByteCount(json.Length) > maxBytes && Encoding.UTF8.GetByteCount(json) > maxBytes)
        {
            throw new EvidenceException($"Evidence is {Encoding.UTF8.GetByteCount(json)} bytes; the limit is {maxBytes} bytes.");
        }

        return ParseUtf8(Encoding.UTF8.GetBytes(json), maxBytes, maxDepth);
    }

    /// <summary>Parses evidence from UTF-8 JSON.</summary>
    /// <param name="utf8Json">A JSON object in UTF-8.</param>
    /// <param name="maxBytes">The largest size accepted, in bytes.</param>
    /// <param name="maxDepth">The deepest nesting accepted.</param>
    /// <returns>The evidence.</returns>
    /// <exception cref="EvidenceException">The bytes are not valid UTF-8, or not a JSON object within the limits, or have duplicate property names, or a number outside I-JSON.</exception>
    public static Evidence ParseUtf8(ReadOnlySpan<byte> utf8Json, int maxBytes = DefaultMaxBytes, int maxDepth = DefaultMaxDepth)
    {
        if (utf8Json.Length > maxBytes)
        {
            throw new EvidenceException($"Evidence is {utf8Json.Length} bytes; the limit is {maxBytes} bytes.");
        }

        if (!System.Text.Unicode.Utf8.IsValid(utf8Json))
        {
            throw new EvidenceException("Evidence is not valid UTF-8.");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8Json.ToArray(), new JsonDocumentOptions { MaxDepth = maxDepth + 1, AllowDuplicateProperties = false });
        }
        catch (JsonException ex)
        {
            throw new EvidenceException($"Evidence is not valid JSON within the limits (depth at most {maxDepth}, no duplicate property names): {ex.Message}", ex);
        }

        using (document)
        {
            return FromElement(document.RootElement, maxBytes, maxDepth);
        }
    }

    /// <summary>Creates evidence from a JSON element.</summary>
    /// <param name="element">A JSON object.</param>
    /// <param name="maxBytes">The largest size accepted, in bytes.</param>
    /// <param name="maxDepth">The deepest nesting accepted.</param>
    /// <returns>The evidence.</returns>
    /// <exception cref="EvidenceException">The element is not an object within the limits, or has a number outside I-JSON.</exception>
    public static Evidence FromElement(JsonElement element, int maxBytes = DefaultMaxBytes, int maxDepth = DefaultMaxDepth)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new EvidenceException($"Evidence must be a JSON object, not {DescribeKind(element.ValueKind)}.");
        }

        var depth = MeasureDepth(element, 1, maxDepth);
        var buffer = new ArrayBufferWriter<byte>(256);
        CanonicalJson.WriteElement(buffer, element);
        if (buffer.WrittenCount > maxBytes)
        {
            throw new EvidenceException($"Evidence is {buffer.WrittenCount} bytes; the limit is {maxBytes} bytes.");
        }

        return new Evidence(buffer.WrittenSpan.ToArray(), depth);
    }

    /// <summary>Creates evidence from an object serialized with System.Text.Json (an anonymous object, a dictionary, a record).</summary>
    /// <typeparam name="T">The value's type.</typeparam>
    /// <param name="value">The value; it must serialize to a JSON object.</param>
    /// <param name="options">Serializer options; the default uses the names as declared.</param>
    /// <returns>The evidence.</returns>
    /// <exception cref="EvidenceException">The value does not serialize to a JSON object within the default limits.</exception>
    [System.Diagnostics.CodeAnalysis.RequiresUnreferencedCode("Serializes with reflection; use Parse or FromElement when trimming.")]
    [System.Diagnostics.CodeAnalysis.RequiresDynamicCode("Serializes with reflection; use Parse or FromElement for native AOT.")]
    public static Evidence From<T>(T value, JsonSerializerOptions? options = null)
    {
        var element = JsonSerializer.SerializeToElement(value, options);
        return FromElement(element);
    }

    /// <summary>Gets a property of the evidence.</summary>
    /// <param name="name">The property name.</param>
    /// <param name="value">The value, when present.</param>
    /// <returns><see langword="true"/> when the property exists.</returns>
    public bool TryGetProperty(string name, out JsonElement value) => Root.TryGetProperty(name, out value);

    /// <summary>Gets a value indicating whether the evidence has a property that is present and not null.</summary>
    /// <param name="name">The property name.</param>
    /// <returns><see langword="true"/> when present and not <c>null</c>.</returns>
    public bool Has(string name) => Root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null;

    /// <inheritdoc/>
    public bool Equals(Evidence? other) => other is not null && _utf8.AsSpan().SequenceEqual(other._utf8);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Evidence other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = default(HashCode);
        hash.AddBytes(_utf8);
        return hash.ToHashCode();
    }

    /// <summary>Returns the canonical JSON text.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => Json;

    internal static Evidence FromCanonicalUtf8Unchecked(byte[] canonical, int depth) => new(canonical, depth);

    private static int MeasureDepth(JsonElement element, int depth, int maxDepth)
    {
        if (depth > maxDepth)
        {
            throw new EvidenceException($"Evidence is nested deeper than {maxDepth} levels.");
        }

        var deepest = depth;
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (property.Value.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
                    {
                        deepest = Math.Max(deepest, MeasureDepth(property.Value, depth + 1, maxDepth));
                    }
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    if (item.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
                    {
                        deepest = Math.Max(deepest, MeasureDepth(item, depth + 1, maxDepth));
                    }
                }

                break;
        }

        return deepest;
    }

    private static string DescribeKind(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };
}
