namespace LoopEngine.Signals;

/// <summary>A custom extractor: reads a number from a raw event.</summary>
/// <param name="rawEvent">The event.</param>
/// <param name="value">The value, when the event has one.</param>
/// <returns><see langword="true"/> when the event feeds the feature.</returns>
public delegate bool FeatureExtractor(RawEvent rawEvent, out double value);
