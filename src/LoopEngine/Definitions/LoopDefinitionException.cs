namespace LoopEngine;

/// <summary>A loop definition is invalid; <see cref="Problems"/> lists every problem found at once.</summary>
public sealed class LoopDefinitionException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="source">What was being built or loaded (<c>scm.procurement@2.0.0</c>, a file path).</param>
    /// <param name="problems">The problems; at least one.</param>
    public LoopDefinitionException(string source, IReadOnlyList<DefinitionProblem> problems)
        : base(FormatMessage(source, problems))
    {
        Source = source;
        Problems = problems;
    }

    /// <summary>Creates the exception with an inner exception (a parser's error).</summary>
    /// <param name="source">What was being loaded.</param>
    /// <param name="problems">The problems.</param>
    /// <param name="innerException">The parser's exception.</param>
    public LoopDefinitionException(string source, IReadOnlyList<DefinitionProblem> problems, Exception? innerException)
        : base(FormatMessage(source, problems), innerException)
    {
        Source = source;
        Problems = problems;
    }

    /// <summary>Gets the problems, each with its path and message.</summary>
    public IReadOnlyList<DefinitionProblem> Problems { get; }

    private static string FormatMessage(string source, IReadOnlyList<DefinitionProblem> problems) =>
        $"Loop definition '{source}' is invalid ({problems.Count} problem{(problems.Count == 1 ? string.Empty : "s")}):"
        + string.Concat(problems.Select(p => Environment.NewLine + "  - " + p));
}
