using System.Globalization;
using System.Text;
using System.Text.Json;

namespace LoopEngine;

/// <summary>The kind of a node in the format-neutral document tree.</summary>
internal enum DocNodeKind
{
    Null,
    Bool,
    Number,
    String,
    Object,
    Array,
}

/// <summary>One property of an object node, with the line of its key.</summary>
internal sealed record DocProperty(string Name, int Line, DocNode Value);

/// <summary>
/// A JSON-like tree with line numbers, produced from JSON or YAML, so that both formats map onto the model with
/// the same code and the same error messages.
/// </summary>
internal sealed class DocNode
{
    private DocNode(DocNodeKind kind, int line, string? text, List<DocProperty>? properties, List<DocNode>? items)
    {
        Kind = kind;
        Line = line;
        Text = text;
        Properties = properties;
        Items = items;
    }

    public DocNodeKind Kind { get; }

    /// <summary>Gets the 1-based line the node starts on, or 0 when it was not read from text.</summary>
    public int Line { get; }

    /// <summary>Gets the scalar's text: the string, the number as written, <c>true</c>/<c>false</c>.</summary>
    public string? Text { get; }

    /// <summary>Gets a value indicating whether this scalar came from an untagged, unquoted YAML scalar (so it may also be read as a string).</summary>
    public bool PlainScalar { get; private init; }

    public List<DocProperty>? Properties { get; }

    public List<DocNode>? Items { get; }

    public static DocNode Null(int line = 0, bool plain = false) => new(DocNodeKind.Null, line, null, null, null) { PlainScalar = plain };

    public static DocNode Bool(bool value, int line = 0, bool plain = false) => new(DocNodeKind.Bool, line, value ? "true" : "false", null, null) { PlainScalar = plain };

    public static DocNode Number(string text, int line = 0, bool plain = false) => new(DocNodeKind.Number, line, text, null, null) { PlainScalar = plain };

    public static DocNode String(string value, int line = 0) => new(DocNodeKind.String, line, value, null, null);

    public static DocNode Object(List<DocProperty> properties, int line = 0) => new(DocNodeKind.Object, line, null, properties, null);

    public static DocNode Array(List<DocNode> items, int line = 0) => new(DocNodeKind.Array, line, null, null, items);

    /// <summary>Gets the wire name of the node's kind for error messages.</summary>
    public string KindName => Kind switch
    {
        DocNodeKind.Null => "null",
        DocNodeKind.Bool => "a boolean",
        DocNodeKind.Number => "a number",
        DocNodeKind.String => "a string",
        DocNodeKind.Object => "an object",
        _ => "an array",
    };

    /// <summary>Converts a JSON value into a tree (for metadata kept verbatim).</summary>
    public static DocNode FromJson(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => Object(element.EnumerateObject().Select(p => new DocProperty(p.Name, 0, FromJson(p.Value))).ToList()),
        JsonValueKind.Array => Array(element.EnumerateArray().Select(FromJson).ToList()),
        JsonValueKind.String => String(element.GetString()!),
        JsonValueKind.Number => Number(element.GetRawText()),
        JsonValueKind.True => Bool(true),
        JsonValueKind.False => Bool(false),
        _ => Null(),
    };

    /// <summary>Converts this tree into a JSON value (for metadata kept verbatim).</summary>
    public JsonElement ToJsonElement()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WriteJson(writer);
        }

        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }

    public void WriteJson(Utf8JsonWriter writer)
    {
        switch (Kind)
        {
            case DocNodeKind.Object:
                writer.WriteStartObject();
                foreach (var property in Properties!)
                {
                    writer.WritePropertyName(property.Name);
                    property.Value.WriteJson(writer);
                }

                writer.WriteEndObject();
                break;
            case DocNodeKind.Array:
                writer.WriteStartArray();
                foreach (var item in Items!)
                {
                    item.WriteJson(writer);
                }

                writer.WriteEndArray();
                break;
            case DocNodeKind.String:
                writer.WriteStringValue(Text);
                break;
            case DocNodeKind.Number:
                writer.WriteRawValue(Text!, skipInputValidation: false);
                break;
            case DocNodeKind.Bool:
                writer.WriteBooleanValue(Text == "true");
                break;
            default:
                writer.WriteNullValue();
                break;
        }
    }

    public override string ToString() => Kind switch
    {
        DocNodeKind.String => "\"" + Text + "\"",
        DocNodeKind.Object => "{...}",
        DocNodeKind.Array => "[...]",
        DocNodeKind.Null => "null",
        _ => Text!,
    };

    /// <summary>Renders a scalar for an error message.</summary>
    public string Describe() => Kind switch
    {
        DocNodeKind.Object or DocNodeKind.Array => KindName,
        DocNodeKind.Null => "null",
        _ => $"{KindName} '{Identifiers.Printable(Text)}'",
    };

    internal static string Invariant(FormattableString value) => value.ToString(CultureInfo.InvariantCulture);

    internal static bool IsUtf8Bom(ReadOnlySpan<byte> bytes) => bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF;

    internal static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
}
