namespace LoopEngine.Learning;

/// <summary>An outcome gave a business metric a value of another kind than the one the definition declares.</summary>
public sealed class OutcomeMetricTypeException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">The message, naming the metric, the declared kind and the given one.</param>
    public OutcomeMetricTypeException(string message)
        : base(message)
    {
    }
}
