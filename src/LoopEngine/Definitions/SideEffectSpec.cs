namespace LoopEngine;

/// <summary>A side effect a transition announces (reference format; the engine records it but does not run it).</summary>
/// <param name="Id">The side effect's id.</param>
/// <param name="Description">What it does.</param>
/// <param name="TriggeredBy">What triggers it.</param>
public sealed record SideEffectSpec(string Id, string Description, string TriggeredBy);
