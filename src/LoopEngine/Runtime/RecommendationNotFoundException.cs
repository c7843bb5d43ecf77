namespace LoopEngine;

/// <summary>No recommendation with the id exists in the org.</summary>
public sealed class RecommendationNotFoundException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">The message, naming the value and the valid alternatives.</param>
    public RecommendationNotFoundException(string message)
        : base(message)
    {
    }
}
