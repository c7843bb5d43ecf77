namespace LoopEngine.Signals;

/// <summary>A signal definition (in code, JSON or YAML) is invalid; <see cref="Problems"/> lists every problem with its path.</summary>
public sealed class SignalDefinitionException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="problems">The problems, each prefixed with its path (<c>$.signals[0].threshold</c>).</param>
    public SignalDefinitionException(IReadOnlyList<string> problems)
        : base("Invalid signal definition: " + string.Join("; ", problems ?? throw new ArgumentNullException(nameof(problems))))
    {
        Problems = problems;
    }

    /// <summary>Gets the problems, each prefixed with its path.</summary>
    public IReadOnlyList<string> Problems { get; }
}
