namespace LoopEngine;

/// <summary>An idempotency key was used before with a different request.</summary>
public sealed class IdempotencyConflictException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">The message, naming the value and the valid alternatives.</param>
    public IdempotencyConflictException(string message)
        : base(message)
    {
    }
}
