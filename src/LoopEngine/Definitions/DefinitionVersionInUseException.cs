namespace LoopEngine;

/// <summary>A definition version cannot be removed: running instances still use it. Migrate them or let them end first.</summary>
public sealed class DefinitionVersionInUseException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">The message, naming the version and some of the instances.</param>
    public DefinitionVersionInUseException(string message)
        : base(message)
    {
    }
}
