namespace LoopEngine.Signals;

/// <summary>Counters of the signal engine since it started.</summary>
/// <param name="Accepted">Events placed in their windows.</param>
/// <param name="Duplicates">Events ignored because their id was seen inside the lateness window.</param>
/// <param name="LateDropped">Events older than the watermark minus the allowed lateness.</param>
/// <param name="UnknownTypes">Events of unknown types ignored.</param>
/// <param name="Rejected">Events rejected with a <see cref="SignalEventException"/>.</param>
/// <param name="Emitted">Signals emitted.</param>
/// <param name="Suppressed">Candidates stored below the threshold (within the shadow margin).</param>
/// <param name="CooledDown">Candidates above the threshold not emitted because of the subject's cooldown.</param>
/// <param name="SubjectsEvicted">Subjects evicted to keep memory bounded.</param>
/// <param name="Subjects">Subjects currently held, over all features and signals.</param>
public sealed record SignalEngineStatistics(long Accepted, long Duplicates, long LateDropped, long UnknownTypes, long Rejected, long Emitted, long Suppressed, long CooledDown, long SubjectsEvicted, long Subjects);
