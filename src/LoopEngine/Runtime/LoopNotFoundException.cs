namespace LoopEngine;

/// <summary>No loop instance exists for the aggregate in the org.</summary>
public sealed class LoopNotFoundException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">The message, naming the value and the valid alternatives.</param>
    public LoopNotFoundException(string message)
        : base(message)
    {
    }
}
