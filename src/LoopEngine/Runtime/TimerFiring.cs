namespace LoopEngine;

/// <summary>What firing a stored timer did.</summary>
public enum TimerFiring
{
    /// <summary>The timer's action ran (a breach was recorded or escalated, a recommendation expired).</summary>
    Fired = 0,

    /// <summary>The timer no longer applied (the loop moved on or ended, the recommendation was decided) and was dropped.</summary>
    Dropped = 1,
}
