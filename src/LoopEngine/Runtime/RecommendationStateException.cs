namespace LoopEngine;

/// <summary>A recommendation cannot be decided: it is stale, expired, already decided otherwise, or the actor is not a permitted approver.</summary>
public sealed class RecommendationStateException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">The message, naming the value and the valid alternatives.</param>
    public RecommendationStateException(string message)
        : base(message)
    {
    }
}
