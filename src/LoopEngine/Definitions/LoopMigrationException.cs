namespace LoopEngine;

/// <summary>A loop migration is invalid, or cannot move the instance it was asked to move.</summary>
public sealed class LoopMigrationException : InvalidOperationException
{
    /// <summary>Creates the exception for an invalid migration.</summary>
    /// <param name="migration">The migration (<c>loopId@from-&gt;to</c>).</param>
    /// <param name="problems">The problems; at least one.</param>
    public LoopMigrationException(string migration, IReadOnlyList<DefinitionProblem> problems)
        : base($"Loop migration '{migration}' is invalid ({problems?.Count} problem{(problems?.Count == 1 ? string.Empty : "s")}):" + string.Concat((problems ?? []).Select(p => Environment.NewLine + "  - " + p)))
    {
        Problems = problems ?? [];
    }

    /// <summary>Creates the exception for an instance the migration cannot move.</summary>
    /// <param name="message">The message, naming the value and the valid alternatives.</param>
    public LoopMigrationException(string message)
        : base(message)
    {
        Problems = [];
    }

    /// <summary>Gets the problems of an invalid migration; empty when the instance, not the migration, is the problem.</summary>
    public IReadOnlyList<DefinitionProblem> Problems { get; }
}
