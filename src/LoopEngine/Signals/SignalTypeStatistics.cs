namespace LoopEngine.Signals;

/// <summary>A signal type's accuracy over its window of labelled signals.</summary>
/// <param name="SignalType">The signal type.</param>
/// <param name="Threshold">The current threshold.</param>
/// <param name="SampleSize">The labelled signals in the window.</param>
/// <param name="Precision">Hits among the labelled signals at or above the threshold, divided by their number; <see langword="null"/> with none.</param>
/// <param name="Recall">Hits at or above the threshold divided by all hits in the window (hits below it are the observable misses); <see langword="null"/> with no hits.</param>
public sealed record SignalTypeStatistics(string SignalType, double Threshold, int SampleSize, double? Precision, double? Recall);
