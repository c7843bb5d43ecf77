namespace LoopEngine;

/// <summary>One problem found in a loop definition.</summary>
/// <param name="Path">Where the problem is (<c>transitions[3].to</c>).</param>
/// <param name="Message">What is wrong, naming the value and the valid alternatives.</param>
/// <param name="Line">The line in the source file, when loaded from one; otherwise <see langword="null"/>.</param>
public sealed record DefinitionProblem(string Path, string Message, int? Line = null)
{
    /// <inheritdoc/>
    public override string ToString() => Line is { } line ? $"{Path} (line {line}): {Message}" : $"{Path}: {Message}";
}
