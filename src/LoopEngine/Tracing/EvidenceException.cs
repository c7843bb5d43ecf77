namespace LoopEngine;

/// <summary>Evidence is not acceptable: not a JSON object, too large, too deep, with duplicate names, invalid UTF-8, or a number outside I-JSON.</summary>
public sealed class EvidenceException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong.</param>
    public EvidenceException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with an inner exception.</summary>
    /// <param name="message">What is wrong.</param>
    /// <param name="innerException">The parser's exception.</param>
    public EvidenceException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
