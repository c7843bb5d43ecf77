namespace LoopEngine;

/// <summary>A state's service-level agreement: how long a loop may dwell in it and what happens on a breach.</summary>
/// <param name="MaxDwell">The longest a loop may stay in the state.</param>
/// <param name="BreachTransition">
/// The escalation transition run by the automation actor <c>system:sla</c> on a breach, or <see langword="null"/>
/// to only raise the breach event and an exception entry.
/// </param>
/// <param name="RaiseEvent">Whether a breach emits <c>loopengine.sla.breached</c>. The default is <see langword="true"/>.</param>
public sealed record StateSla(TimeSpan MaxDwell, string? BreachTransition = null, bool RaiseEvent = true);
