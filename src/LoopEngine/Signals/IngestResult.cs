namespace LoopEngine.Signals;

/// <summary>The result of ingesting one event or a batch.</summary>
/// <param name="Accepted">Events placed in their windows.</param>
/// <param name="Duplicates">Events ignored as duplicates.</param>
/// <param name="LateDropped">Events dropped as too late.</param>
/// <param name="UnknownTypes">Events of unknown types ignored.</param>
/// <param name="Signals">The signals produced (emitted and suppressed), in order.</param>
/// <param name="Rejections">The events rejected (batches only; a single event throws).</param>
public sealed record IngestResult(int Accepted, int Duplicates, int LateDropped, int UnknownTypes, IReadOnlyList<Signal> Signals, IReadOnlyList<SignalEventException> Rejections);
