using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace LoopEngine;

/// <summary>
/// Reads one YAML document into a <see cref="DocNode"/> tree with YamlDotNet's low-level parser, enforcing the
/// depth limit, an alias budget (so an alias bomb fails fast) and unique mapping keys.
/// </summary>
internal sealed partial class YamlDocReader
{
    /// <summary>The most aliases a document may use.</summary>
    public const int MaxAliases = 100;

    /// <summary>The most nodes all aliases together may expand to.</summary>
    public const long MaxAliasExpansion = 10_000;

    private readonly Parser _parser;
    private readonly int _maxDepth;
    private readonly List<DefinitionProblem> _problems;
    private readonly Dictionary<string, (DocNode Node, long Size)> _anchors = new(StringComparer.Ordinal);
    private readonly List<string> _path = [];
    private int _aliases;
    private long _expanded;

    private YamlDocReader(string yaml, int maxDepth, List<DefinitionProblem> problems)
    {
        _parser = new Parser(new StringReader(yaml));
        _maxDepth = maxDepth;
        _problems = problems;
    }

    [GeneratedRegex("^-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][-+]?[0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex JsonNumberPattern();

    /// <summary>Reads the single document in <paramref name="yaml"/>.</summary>
    /// <param name="yaml">The YAML text.</param>
    /// <param name="maxDepth">The deepest nesting of mappings and sequences accepted.</param>
    /// <param name="problems">Receives problems that do not stop reading (duplicate keys).</param>
    /// <returns>The root node.</returns>
    /// <exception cref="DocReadException">The text is not one well-formed YAML document within the limits.</exception>
    public static DocNode Read(string yaml, int maxDepth, List<DefinitionProblem> problems)
    {
        var reader = new YamlDocReader(yaml, maxDepth, problems);
        try
        {
            return reader.ReadStream();
        }
        catch (YamlException ex)
        {
            var line = (int)ex.Start.Line;
            var message = ex.InnerException is { } inner && ex.Message.Contains("see inner", StringComparison.OrdinalIgnoreCase) ? inner.Message : ex.Message;
            throw new DocReadException(reader.CurrentPath, DocNode.Invariant($"The YAML is malformed (truncated or invalid syntax) at line {line}, column {ex.Start.Column}: {message}"), line, ex);
        }
    }

    /// <summary>Resolves an untagged plain scalar by the JSON-compatible subset of the YAML 1.2 core schema.</summary>
    /// <param name="text">The scalar's text.</param>
    /// <param name="line">The line.</param>
    /// <returns>The typed node.</returns>
    public static DocNode ResolvePlain(string text, int line) => text switch
    {
        "" or "~" or "null" or "Null" or "NULL" => DocNode.Null(line, plain: true),
        "true" or "True" or "TRUE" => DocNode.Bool(true, line, plain: true),
        "false" or "False" or "FALSE" => DocNode.Bool(false, line, plain: true),
        _ when JsonNumberPattern().IsMatch(text) => DocNode.Number(text, line, plain: true),
        _ => DocNode.String(text, line),
    };

    /// <summary>Gets a value indicating whether a string must be quoted to be read back as a string.</summary>
    /// <param name="text">The string.</param>
    /// <returns><see langword="true"/> when a plain scalar with this text would resolve to null, a boolean or a number.</returns>
    public static bool NeedsQuotes(string text) => ResolvePlain(text, 0).Kind != DocNodeKind.String || text.Trim() != text;

    private string CurrentPath => _path.Count == 0 ? "$" : string.Concat(_path).TrimStart('.');

    private DocNode ReadStream()
    {
        Expect<StreamStart>();
        if (_parser.Current is StreamEnd)
        {
            throw new DocReadException("$", "The YAML document is empty.", 1);
        }

        Expect<DocumentStart>();
        var root = ReadNode(0);
        Expect<DocumentEnd>();
        if (_parser.Current is not StreamEnd)
        {
            var line = (int)_parser.Current!.Start.Line;
            throw new DocReadException("$", DocNode.Invariant($"The file holds more than one YAML document (another starts at line {line}): put one loop definition in each file."), line);
        }

        return root;
    }

    private void Expect<T>()
        where T : ParsingEvent
    {
        if (_parser.Current is null)
        {
            _parser.MoveNext();
        }

        if (_parser.Current is not T)
        {
            var line = (int)(_parser.Current?.Start.Line ?? 0);
            throw new DocReadException(CurrentPath, DocNode.Invariant($"The YAML is malformed at line {line}: expected {typeof(T).Name} but found {_parser.Current?.GetType().Name ?? "the end of the input"}."), line);
        }

        _parser.MoveNext();
    }

    private (DocNode Node, long Size) ReadNodeSized(int depth)
    {
        var current = _parser.Current ?? throw new DocReadException(CurrentPath, "The YAML ends unexpectedly (truncated).", null);
        var line = (int)current.Start.Line;
        switch (current)
        {
            case AnchorAlias alias:
            {
                _parser.MoveNext();
                if (!_anchors.TryGetValue(alias.Value.Value, out var target))
                {
                    throw new DocReadException(CurrentPath, $"Alias '*{alias.Value.Value}' refers to no anchor declared before it.", line);
                }

                _aliases++;
                _expanded += target.Size;
                if (_aliases > MaxAliases || _expanded > MaxAliasExpansion)
                {
                    throw new DocReadException(CurrentPath, DocNode.Invariant($"The YAML uses too many aliases ({_aliases} aliases expanding to {_expanded} nodes; the limits are {MaxAliases} aliases and {MaxAliasExpansion} nodes): this looks like an alias bomb."), line);
                }

                return target;
            }

            case Scalar scalar:
            {
                _parser.MoveNext();
                var node = scalar.Style == ScalarStyle.Plain && (scalar.Tag.IsEmpty || scalar.Tag.IsNonSpecific)
                    ? ResolvePlain(scalar.Value, line)
                    : DocNode.String(scalar.Value, line);
                return Anchor(scalar.Anchor, (node, 1));
            }

            case MappingStart mapping:
            {
                CheckDepth(depth, line);
                _parser.MoveNext();
                var properties = new List<DocProperty>();
                var seen = new Dictionary<string, int>(StringComparer.Ordinal);
                long size = 1;
                while (_parser.Current is not MappingEnd)
                {
                    var keyLine = (int)(_parser.Current?.Start.Line ?? line);
                    var (key, keySize) = ReadNodeSized(depth + 1);
                    if (key.Kind is DocNodeKind.Object or DocNodeKind.Array)
                    {
                        throw new DocReadException(CurrentPath, DocNode.Invariant($"A mapping key at line {keyLine} is {key.KindName}: keys must be plain strings."), keyLine);
                    }

                    var name = key.Text ?? string.Empty;
                    _path.Add(PathSegment(name));
                    var (value, valueSize) = ReadNodeSized(depth + 1);
                    var path = CurrentPath;
                    _path.RemoveAt(_path.Count - 1);
                    size += keySize + valueSize;
                    if (seen.TryGetValue(name, out var firstLine))
                    {
                        _problems.Add(new DefinitionProblem(path, DocNode.Invariant($"Duplicate key '{Identifiers.Printable(name)}' (first defined at line {firstLine}): each key may appear only once."), keyLine));
                        continue;
                    }

                    seen[name] = keyLine;
                    properties.Add(new DocProperty(name, keyLine, value));
                }

                _parser.MoveNext();
                return Anchor(mapping.Anchor, (DocNode.Object(properties, line), size));
            }

            case SequenceStart sequence:
            {
                CheckDepth(depth, line);
                _parser.MoveNext();
                var items = new List<DocNode>();
                long size = 1;
                while (_parser.Current is not SequenceEnd)
                {
                    _path.Add(DocNode.Invariant($"[{items.Count}]"));
                    var (item, itemSize) = ReadNodeSized(depth + 1);
                    _path.RemoveAt(_path.Count - 1);
                    items.Add(item);
                    size += itemSize;
                }

                _parser.MoveNext();
                return Anchor(sequence.Anchor, (DocNode.Array(items, line), size));
            }

            default:
                throw new DocReadException(CurrentPath, DocNode.Invariant($"The YAML is malformed at line {line}: unexpected {current.GetType().Name}."), line);
        }
    }

    private DocNode ReadNode(int depth) => ReadNodeSized(depth).Node;

    private (DocNode Node, long Size) Anchor(AnchorName anchor, (DocNode Node, long Size) value)
    {
        if (!anchor.IsEmpty)
        {
            _anchors[anchor.Value] = value;
        }

        return value;
    }

    private void CheckDepth(int depth, int line)
    {
        if (depth >= _maxDepth)
        {
            throw new DocReadException(CurrentPath, DocNode.Invariant($"The YAML nests deeper than {_maxDepth} levels at line {line}."), line);
        }
    }

    private static string PathSegment(string name) => IsSimpleName(name) ? "." + name : "['" + Identifiers.Printable(name) + "']";

    internal static bool IsSimpleName(string name) => name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');
}
