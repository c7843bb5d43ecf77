namespace LoopEngine;

/// <summary>
/// A guard implementation registered for a guard id. The engine evaluates it for every transition that names that id
/// (for <c>runtime</c> and <c>module</c> guards, and for <c>external</c> guards whose host registered an evaluator).
/// </summary>
public interface ILoopGuard
{
    /// <summary>Evaluates the guard.</summary>
    /// <param name="arguments">The instance, transition, actor, evidence and time.</param>
    /// <returns>Whether the guard passes, and a message when it fails.</returns>
    ValueTask<GuardResult> EvaluateAsync(GuardArguments arguments);
}
