namespace LoopEngine;

/// <summary>A guard on a transition: a condition checked before the transition may execute.</summary>
/// <param name="Id">The guard id (lower snake case, unique on its transition).</param>
/// <param name="Description">What the guard checks.</param>
/// <param name="FailureMessage">The message recorded when the guard fails.</param>
/// <param name="Severity">Whether a failure blocks (<see cref="GuardSeverity.Hard"/>) or warns.</param>
/// <param name="EvaluatedBy">Who evaluates the guard.</param>
public sealed record GuardSpec(
    string Id,
    string Description,
    string FailureMessage,
    GuardSeverity Severity = GuardSeverity.Hard,
    GuardEvaluator EvaluatedBy = GuardEvaluator.Runtime);
