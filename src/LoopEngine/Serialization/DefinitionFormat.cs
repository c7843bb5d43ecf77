namespace LoopEngine;

/// <summary>The text formats a loop definition can be loaded from and saved to.</summary>
public enum DefinitionFormat
{
    /// <summary>JSON in the reference format (<c>*.json</c>).</summary>
    Json = 0,

    /// <summary>YAML in the reference format (<c>*.yaml</c>, <c>*.yml</c>).</summary>
    Yaml = 1,
}
