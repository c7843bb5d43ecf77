namespace LoopEngine;

/// <summary>A soft guard that failed and let its transition through, recorded in the trace.</summary>
/// <param name="GuardId">The guard id.</param>
/// <param name="Message">Its failure message.</param>
public sealed record GuardWarning(string GuardId, string Message);
