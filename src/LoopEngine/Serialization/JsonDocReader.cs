using System.Text;
using System.Text.Json;

namespace LoopEngine;

/// <summary>
/// Reads JSON into a <see cref="DocNode"/> tree with <see cref="Utf8JsonReader"/> (strict: no comments, no trailing
/// commas), with line numbers, the depth limit and unique property names.
/// </summary>
internal sealed class JsonDocReader
{
    private readonly int[] _lineStarts;
    private readonly List<DefinitionProblem> _problems;
    private readonly List<string> _path = [];

    private JsonDocReader(ReadOnlySpan<byte> utf8, List<DefinitionProblem> problems)
    {
        var starts = new List<int> { 0 };
        for (var i = 0; i < utf8.Length; i++)
        {
            if (utf8[i] == (byte)'\n')
            {
                starts.Add(i + 1);
            }
        }

        _lineStarts = [.. starts];
        _problems = problems;
    }

    /// <summary>Reads one JSON value.</summary>
    /// <param name="utf8">The UTF-8 text.</param>
    /// <param name="maxDepth">The deepest nesting accepted.</param>
    /// <param name="problems">Receives problems that do not stop reading (duplicate property names).</param>
    /// <returns>The root node.</returns>
    /// <exception cref="DocReadException">The text is not well-formed JSON within the limits.</exception>
    public static DocNode Read(ReadOnlySpan<byte> utf8, int maxDepth, List<DefinitionProblem> problems)
    {
        var self = new JsonDocReader(utf8, problems);
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = maxDepth, CommentHandling = JsonCommentHandling.Disallow, AllowTrailingCommas = false });
        try
        {
            if (!reader.Read())
            {
                throw new DocReadException("$", "The JSON document is empty.", 1);
            }

            var root = self.ReadValue(ref reader);
            if (reader.Read())
            {
                var line = self.LineOf(reader.TokenStartIndex);
                throw new DocReadException("$", DocNode.Invariant($"Unexpected content after the JSON value at line {line}."), line);
            }

            return root;
        }
        catch (JsonException ex)
        {
            var line = ex.LineNumber is { } l ? (int)l + 1 : (int?)null;
            var message = ex.Message.Contains("maximum configured depth", StringComparison.OrdinalIgnoreCase)
                ? DocNode.Invariant($"The JSON nests deeper than {maxDepth} levels (line {line}).")
                : DocNode.Invariant($"The JSON is malformed (truncated or invalid syntax) at line {line}: {ex.Message}");
            throw new DocReadException(self.CurrentPath, message, line, ex);
        }
    }

    private string CurrentPath => _path.Count == 0 ? "$" : string.Concat(_path).TrimStart('.');

    private int LineOf(long offset)
    {
        var index = Array.BinarySearch(_lineStarts, (int)offset);
        return (index >= 0 ? index : ~index - 1) + 1;
    }

    private DocNode ReadValue(ref Utf8JsonReader reader)
    {
        var line = LineOf(reader.TokenStartIndex);
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
            {
                var properties = new List<DocProperty>();
                var seen = new Dictionary<string, int>(StringComparer.Ordinal);
                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    var name = reader.GetString()!;
                    var keyLine = LineOf(reader.TokenStartIndex);
                    reader.Read();
                    _path.Add(IsSimple(name) ? "." + name : "['" + Identifiers.Printable(name) + "']");
                    var value = ReadValue(ref reader);
                    var path = CurrentPath;
                    _path.RemoveAt(_path.Count - 1);
                    if (seen.TryGetValue(name, out var firstLine))
                    {
                        _problems.Add(new DefinitionProblem(path, DocNode.Invariant($"Duplicate property '{Identifiers.Printable(name)}' (first defined at line {firstLine}): each property may appear only once."), keyLine));
                        continue;
                    }

                    seen[name] = keyLine;
                    properties.Add(new DocProperty(name, keyLine, value));
                }

                return DocNode.Object(properties, line);
            }

            case JsonTokenType.StartArray:
            {
                var items = new List<DocNode>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    _path.Add(DocNode.Invariant($"[{items.Count}]"));
                    items.Add(ReadValue(ref reader));
                    _path.RemoveAt(_path.Count - 1);
                }

                return DocNode.Array(items, line);
            }

            case JsonTokenType.String:
                return DocNode.String(reader.GetString()!, line);
            case JsonTokenType.Number:
                return DocNode.Number(Encoding.UTF8.GetString(reader.ValueSpan), line);
            case JsonTokenType.True:
                return DocNode.Bool(true, line);
            case JsonTokenType.False:
                return DocNode.Bool(false, line);
            default:
                return DocNode.Null(line);
        }
    }

    private static bool IsSimple(string name) => YamlDocReader.IsSimpleName(name);
}
