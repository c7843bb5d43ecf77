namespace LoopEngine.Learning;

/// <summary>An outcome was recorded for a loop that has not ended (it is still open or in progress).</summary>
public sealed class LoopNotEndedException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">The message, naming the loop, its state and status.</param>
    public LoopNotEndedException(string message)
        : base(message)
    {
    }
}
