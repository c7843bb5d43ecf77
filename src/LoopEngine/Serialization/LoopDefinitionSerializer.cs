using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace LoopEngine;

/// <summary>
/// Loads and saves loop definitions in the reference JSON/YAML format (<c>loop-definition.schema.json</c>), with the
/// engine's own settings under <c>metadata.loopengine</c>. Loading reports every problem at once, each with its path
/// and line, in a <see cref="LoopDefinitionException"/>; saving writes only non-default engine settings, so a saved
/// file stays valid against the reference schema and loads back equal.
/// </summary>
public static class LoopDefinitionSerializer
{
    /// <summary>Loads a definition from JSON text.</summary>
    /// <param name="json">The JSON text.</param>
    /// <param name="sourceName">A name for error messages (a file path); the default is <c>json</c>.</param>
    /// <param name="options">The limits; the default is <see cref="LoopDefinitionLoadOptions.Default"/>.</param>
    /// <returns>The validated definition.</returns>
    /// <exception cref="LoopDefinitionException">The text is malformed, too large, not in the reference format, or the definition breaks a rule; every problem is listed.</exception>
    public static LoopDefinition LoadJson(string json, string? sourceName = null, LoopDefinitionLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        var source = sourceName ?? "json";
        var bytes = EncodeChecked(json, source, options ?? LoopDefinitionLoadOptions.Default);
        return LoadCore(problems => JsonDocReader.Read(bytes, LoopDefinitionLoadOptions.MaxDepth, problems), source);
    }

    /// <summary>Loads a definition from YAML text.</summary>
    /// <param name="yaml">The YAML text (one document).</param>
    /// <param name="sourceName">A name for error messages (a file path); the default is <c>yaml</c>.</param>
    /// <param name="options">The limits; the default is <see cref="LoopDefinitionLoadOptions.Default"/>.</param>
    /// <returns>The validated definition.</returns>
    /// <exception cref="LoopDefinitionException">The text is malformed, too large, uses too many aliases, nests too deep, is not in the reference format, or the definition breaks a rule; every problem is listed.</exception>
    public static LoopDefinition LoadYaml(string yaml, string? sourceName = null, LoopDefinitionLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        var source = sourceName ?? "yaml";
        _ = EncodeChecked(yaml, source, options ?? LoopDefinitionLoadOptions.Default);
        var text = yaml.Length > 0 && yaml[0] == '\uFEFF' ? yaml[1..] : yaml;
        return LoadCore(problems => YamlDocReader.Read(text, LoopDefinitionLoadOptions.MaxDepth, problems), source);
    }

    /// <summary>Loads a definition from a stream of UTF-8 text. Reads at most <see cref="LoopDefinitionLoadOptions.MaxBytes"/> + 1 bytes.</summary>
    /// <param name="stream">The stream; it is not disposed.</param>
    /// <param name="format">The format of the text.</param>
    /// <param name="sourceName">A name for error messages.</param>
    /// <param name="options">The limits.</param>
    /// <returns>The validated definition.</returns>
    /// <exception cref="LoopDefinitionException">The text is too large, not UTF-8, malformed, or the definition is invalid.</exception>
    public static LoopDefinition Load(Stream stream, DefinitionFormat format, string? sourceName = null, LoopDefinitionLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        options ??= LoopDefinitionLoadOptions.Default;
        var source = sourceName ?? (format == DefinitionFormat.Json ? "json" : "yaml");
        var buffer = new ArrayBufferWriter<byte>();
        var limit = (long)options.MaxBytes + 1;
        while (buffer.WrittenCount < limit)
        {
            var span = buffer.GetSpan(81920);
            var read = stream.Read(span[..(int)Math.Min(span.Length, limit - buffer.WrittenCount)]);
            if (read == 0)
            {
                break;
            }

            buffer.Advance(read);
        }

        if (buffer.WrittenCount > options.MaxBytes)
        {
            throw TooLarge(source, null, options);
        }

        var text = Decode(buffer.WrittenSpan, source);
        return format switch
        {
            DefinitionFormat.Json => LoadJson(text, source, options),
            DefinitionFormat.Yaml => LoadYaml(text, source, options),
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Valid formats are Json and Yaml."),
        };
    }

    /// <summary>Loads a definition from a file; the format follows the extension (<c>.json</c>, <c>.yaml</c>, <c>.yml</c>).</summary>
    /// <param name="path">The file path.</param>
    /// <param name="options">The limits.</param>
    /// <returns>The validated definition.</returns>
    /// <exception cref="ArgumentException">The extension is not .json, .yaml or .yml.</exception>
    /// <exception cref="LoopDefinitionException">The file is too large (checked before reading), not UTF-8, malformed, or the definition is invalid.</exception>
    public static LoopDefinition LoadFile(string path, LoopDefinitionLoadOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= LoopDefinitionLoadOptions.Default;
        var format = FormatOf(path) ?? throw new ArgumentException($"File '{path}' has an unknown extension: use .json, .yaml or .yml.", nameof(path));
        var length = new FileInfo(path).Length;
        if (length > options.MaxBytes)
        {
            throw TooLarge(path, length, options);
        }

        using var stream = File.OpenRead(path);
        return Load(stream, format, path, options);
    }

    /// <summary>Loads every definition in a directory (<c>*.json</c>, <c>*.yaml</c>, <c>*.yml</c>, not recursive), in file name order.</summary>
    /// <param name="path">The directory.</param>
    /// <param name="options">The limits, applied to each file.</param>
    /// <returns>The definitions, in file name order.</returns>
    /// <exception cref="DirectoryNotFoundException">The directory does not exist.</exception>
    /// <exception cref="LoopDefinitionDirectoryException">One or more files are invalid, or two files define the same id and version; every bad file is reported.</exception>
    public static IReadOnlyList<LoopDefinition> LoadDirectory(string path, LoopDefinitionLoadOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!System.IO.Directory.Exists(path))
        {
            throw new DirectoryNotFoundException($"Loop definition directory '{path}' does not exist.");
        }

        var files = System.IO.Directory.EnumerateFiles(path)
            .Where(f => FormatOf(f) is not null)
            .OrderBy(f => f, StringComparer.Ordinal)
            .ToList();
        var definitions = new List<LoopDefinition>();
        var failures = new List<LoopDefinitionException>();
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            try
            {
                var definition = LoadFile(file, options);
                if (seen.TryGetValue(definition.Key, out var other))
                {
                    failures.Add(new LoopDefinitionException(file, [new DefinitionProblem("version", $"'{definition.Key}' is also defined by '{other}': each id and version may be defined once. Raise the version of one of them.")]));
                    continue;
                }

                seen[definition.Key] = file;
                definitions.Add(definition);
            }
            catch (LoopDefinitionException ex)
            {
                failures.Add(ex);
            }
        }

        return failures.Count > 0 ? throw new LoopDefinitionDirectoryException(path, failures) : definitions;
    }

    /// <summary>Saves a definition as indented JSON in the reference format.</summary>
    /// <param name="definition">The definition.</param>
    /// <returns>The JSON text, ending with a newline.</returns>
    public static string ToJson(LoopDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return DefinitionWriter.ToJson(DefinitionWriter.ToTree(definition));
    }

    /// <summary>Saves a definition as YAML in the reference format.</summary>
    /// <param name="definition">The definition.</param>
    /// <returns>The YAML text.</returns>
    public static string ToYaml(LoopDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return DefinitionWriter.ToYaml(DefinitionWriter.ToTree(definition));
    }

    /// <summary>Saves a definition in the given format.</summary>
    /// <param name="definition">The definition.</param>
    /// <param name="format">The format.</param>
    /// <returns>The text.</returns>
    public static string Save(LoopDefinition definition, DefinitionFormat format) => format switch
    {
        DefinitionFormat.Json => ToJson(definition),
        DefinitionFormat.Yaml => ToYaml(definition),
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Valid formats are Json and Yaml."),
    };

    internal static DefinitionFormat? FormatOf(string path) => Path.GetExtension(path).ToUpperInvariant() switch
    {
        ".JSON" => DefinitionFormat.Json,
        ".YAML" or ".YML" => DefinitionFormat.Yaml,
        _ => null,
    };

    private static LoopDefinition LoadCore(Func<List<DefinitionProblem>, DocNode> read, string source)
    {
        var problems = new List<DefinitionProblem>();
        DocNode root;
        try
        {
            root = read(problems);
        }
        catch (DocReadException ex)
        {
            problems.Add(ex.Problem);
            throw new LoopDefinitionException(source, problems, ex.InnerException);
        }

        var definition = DefinitionReader.Read(root, problems, out var lineOf);
        var reported = problems.Select(p => p.Path).ToList();
        foreach (var problem in LoopDefinitionValidator.Validate(definition))
        {
            // A field the reader already rejected (missing, wrong type) need not be reported twice.
            if (!reported.Any(r => Related(r, problem.Path)))
            {
                problems.Add(problem with { Line = problem.Line ?? lineOf(problem.Path) });
            }
        }

        return problems.Count > 0 ? throw new LoopDefinitionException(source, problems) : definition;
    }

    private static bool Related(string a, string b) =>
        a == "$" || b == "$" || a == b || IsPrefix(a, b) || IsPrefix(b, a);

    private static bool IsPrefix(string prefix, string path) =>
        path.Length > prefix.Length && path.StartsWith(prefix, StringComparison.Ordinal) && path[prefix.Length] is '.' or '[';

    private static byte[] EncodeChecked(string text, string source, LoopDefinitionLoadOptions options)
    {
        if (text.Length > options.MaxBytes)
        {
            throw TooLarge(source, null, options);
        }

        byte[] bytes;
        try
        {
            bytes = DocNode.StrictUtf8.GetBytes(text);
        }
        catch (EncoderFallbackException ex)
        {
            var line = text.AsSpan(0, Math.Min(ex.Index, text.Length)).Count('\n') + 1;
            throw new LoopDefinitionException(source, [new DefinitionProblem("$", DocNode.Invariant($"The text has an unpaired surrogate at line {line}: it cannot be encoded as UTF-8."), line)], ex);
        }

        return bytes.Length > options.MaxBytes ? throw TooLarge(source, bytes.Length, options) : bytes;
    }

    private static string Decode(ReadOnlySpan<byte> bytes, string source)
    {
        if (DocNode.IsUtf8Bom(bytes))
        {
            bytes = bytes[3..];
        }

        var chars = new char[bytes.Length];
        var status = Utf8.ToUtf16(bytes, chars, out var read, out var written, replaceInvalidSequences: false);
        if (status != OperationStatus.Done)
        {
            var line = bytes[..read].Count((byte)'\n') + 1;
            throw new LoopDefinitionException(source, [new DefinitionProblem("$", DocNode.Invariant($"The file is not valid UTF-8: byte {read} (line {line}) starts an invalid sequence. Save it as UTF-8."), line)]);
        }

        return new string(chars, 0, written);
    }

    private static LoopDefinitionException TooLarge(string source, long? size, LoopDefinitionLoadOptions options) =>
        new(source, [new DefinitionProblem("$", DocNode.Invariant($"The definition is {(size is { } s ? s + " bytes" : "larger than the limit")}; the limit is {options.MaxBytes} bytes (LoopDefinitionLoadOptions.MaxBytes). It was rejected before parsing."), 1)]);
}
