namespace LoopEngine;

/// <summary>A loop id, or a version of it, is not registered; the message lists what is.</summary>
public sealed class UnknownLoopException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="loopId">The requested loop id.</param>
    /// <param name="version">The requested version, or <see langword="null"/> when any version was asked for.</param>
    /// <param name="message">The message, naming the known loop ids or versions.</param>
    public UnknownLoopException(string loopId, string? version, string message)
        : base(message)
    {
        LoopId = loopId;
        Version = version;
    }

    /// <summary>Gets the requested loop id.</summary>
    public string LoopId { get; }

    /// <summary>Gets the requested version, or <see langword="null"/>.</summary>
    public string? Version { get; }
}
