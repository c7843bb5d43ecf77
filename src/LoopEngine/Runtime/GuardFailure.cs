namespace LoopEngine;

/// <summary>A guard that failed, with its message.</summary>
/// <param name="GuardId">The guard id.</param>
/// <param name="Message">Why it failed.</param>
/// <param name="Severity">Hard (blocked) or soft (warning).</param>
public sealed record GuardFailure(string GuardId, string Message, GuardSeverity Severity);
