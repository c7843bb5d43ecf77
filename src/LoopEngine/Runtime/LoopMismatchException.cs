namespace LoopEngine;

/// <summary>The aggregate runs another loop than the request named.</summary>
public sealed class LoopMismatchException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">The message, naming the value and the valid alternatives.</param>
    public LoopMismatchException(string message)
        : base(message)
    {
    }
}
