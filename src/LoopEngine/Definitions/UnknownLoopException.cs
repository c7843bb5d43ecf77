namespace LoopEngine;

/// <summary>A loop id, or a version of it, is not registered.</summary>
public sealed class UnknownLoopException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">The message, naming the id and the registered alternatives.</param>
    /// <param name="loopId">The loop id asked for.</param>
    /// <param name="version">The version asked for, or <see langword="null"/>.</param>
    public UnknownLoopException(string message, string loopId, string? version = null)
        : base(message)
    {
        LoopId = loopId;
        Version = version;
    }

    /// <summary>Gets the loop id asked for.</summary>
    public string LoopId { get; }

    /// <summary>Gets the version asked for, or <see langword="null"/>.</summary>
    public string? Version { get; }
}
