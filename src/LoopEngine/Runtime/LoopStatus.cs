namespace LoopEngine;

/// <summary>The lifecycle status of a loop instance.</summary>
public enum LoopStatus
{
    /// <summary>In its initial state.</summary>
    Open = 0,

    /// <summary>Past its initial state, not yet closed.</summary>
    InProgress = 1,

    /// <summary>In a terminal state: the loop closed with its outcome.</summary>
    Closed = 2,

    /// <summary>In an error state, or failed by the host.</summary>
    Error = 3,

    /// <summary>Cancelled by the host.</summary>
    Cancelled = 4,
}
