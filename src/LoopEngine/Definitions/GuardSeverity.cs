namespace LoopEngine;

/// <summary>How a failing guard affects its transition.</summary>
public enum GuardSeverity
{
    /// <summary>A failing hard guard blocks the transition (wire name <c>hard</c>).</summary>
    Hard = 0,

    /// <summary>A failing soft guard lets the transition through and records a warning (wire name <c>soft</c>).</summary>
    Soft = 1,
}
