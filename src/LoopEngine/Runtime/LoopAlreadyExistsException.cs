namespace LoopEngine;

/// <summary>The aggregate already has a loop instance in the org: aggregate ids are never reused.</summary>
public sealed class LoopAlreadyExistsException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">The message, naming the value and the valid alternatives.</param>
    public LoopAlreadyExistsException(string message)
        : base(message)
    {
    }
}
