namespace LoopEngine;

/// <summary>Who evaluates a guard (the reference schema's <c>evaluatedBy</c>).</summary>
public enum GuardEvaluator
{
    /// <summary>A guard implemented in the engine or registered by the host for its id (wire name <c>runtime</c>).</summary>
    Runtime = 0,

    /// <summary>A guard implemented by a host module registered for its id (wire name <c>module</c>).</summary>
    Module = 1,

    /// <summary>
    /// A guard decided outside the engine: by a host-registered evaluator, or, without one, by a permitted approver's
    /// approval (hard) or a recorded warning (soft). Wire name <c>external</c>.
    /// </summary>
    External = 2,
}
