namespace LoopEngine;

/// <summary>Why a transition was blocked. The wire names are those of the reference schema.</summary>
public enum BlockReason
{
    /// <summary>Not blocked.</summary>
    None = 0,

    /// <summary>The transition is not defined from the current state (<c>invalid_transition</c>).</summary>
    InvalidTransition = 1,

    /// <summary>The actor may neither execute nor recommend it, or lacks a required role (<c>unauthorized_actor</c>).</summary>
    UnauthorizedActor = 2,

    /// <summary>One or more hard guards failed (<c>guard_failed</c>).</summary>
    GuardFailed = 3,

    /// <summary>The loop has already ended (<c>loop_closed</c>).</summary>
    LoopClosed = 4,
}
