namespace LoopEngine;

/// <summary>The loop has already ended (closed, error or cancelled).</summary>
public sealed class LoopClosedException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">The message, naming the value and the valid alternatives.</param>
    public LoopClosedException(string message)
        : base(message)
    {
    }
}
