namespace LoopEngine.Learning;

/// <summary>An outcome named a business metric its loop's outcome spec does not declare.</summary>
public sealed class UnknownOutcomeMetricException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">The message, naming the metric and the valid ones.</param>
    public UnknownOutcomeMetricException(string message)
        : base(message)
    {
    }
}
