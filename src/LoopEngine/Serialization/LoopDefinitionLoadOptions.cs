using System.ComponentModel.DataAnnotations;

namespace LoopEngine;

/// <summary>Limits applied when loading loop definitions from text.</summary>
public sealed class LoopDefinitionLoadOptions
{
    /// <summary>The default largest file accepted, in bytes (1 MiB).</summary>
    public const int DefaultMaxBytes = 1024 * 1024;

    /// <summary>The deepest nesting of objects and arrays accepted (JSON and YAML).</summary>
    public const int MaxDepth = 64;

    /// <summary>Gets the default options.</summary>
    public static LoopDefinitionLoadOptions Default { get; } = new();

    /// <summary>Gets or sets the largest definition accepted, in UTF-8 bytes; a larger input is rejected before parsing.</summary>
    /// <value>The default is 1,048,576 bytes (1 MiB).</value>
    [Range(1, 64 * 1024 * 1024)]
    public int MaxBytes { get; set; } = DefaultMaxBytes;
}
