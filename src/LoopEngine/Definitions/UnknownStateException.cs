namespace LoopEngine;

/// <summary>A state id is not defined by the loop.</summary>
public sealed class UnknownStateException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="loopId">The loop id.</param>
    /// <param name="stateId">The unknown state id.</param>
    /// <param name="validStates">The states the loop defines.</param>
    public UnknownStateException(string loopId, string stateId, IEnumerable<string> validStates)
        : base($"State '{Identifiers.Printable(stateId)}' is not defined for loop '{loopId}'. Its states are: {string.Join(", ", validStates)}.")
    {
        LoopId = loopId;
        StateId = stateId;
    }

    /// <summary>Gets the loop id.</summary>
    public string LoopId { get; }

    /// <summary>Gets the unknown state id.</summary>
    public string StateId { get; }
}
