namespace LoopEngine;

/// <summary>What happened to a transition request.</summary>
public enum TransitionOutcome
{
    /// <summary>The transition executed and its record was appended.</summary>
    Executed = 0,

    /// <summary>A recommendation was stored; the transition awaits approval.</summary>
    PendingApproval = 1,

    /// <summary>The transition was blocked; only the request's events were appended.</summary>
    Blocked = 2,

    /// <summary>The instance's version differs from the request's expected version; nothing was written.</summary>
    VersionConflict = 3,
}
