namespace LoopEngine.Signals;

/// <summary>An auditable change of a signal type's threshold (announced as <c>loopengine.signal.threshold_changed</c>).</summary>
public sealed record ThresholdChange
{
    /// <summary>Gets the signal type.</summary>
    public required string SignalType { get; init; }

    /// <summary>Gets the threshold before.</summary>
    public required double ThresholdBefore { get; init; }

    /// <summary>Gets the threshold after.</summary>
    public required double ThresholdAfter { get; init; }

    /// <summary>Gets the precision of the labelled window at the old threshold.</summary>
    public required double PrecisionBefore { get; init; }

    /// <summary>Gets the precision of the labelled window at the new threshold.</summary>
    public required double PrecisionAfter { get; init; }

    /// <summary>Gets the number of labelled signals considered.</summary>
    public required int SampleSize { get; init; }

    /// <summary>Gets the target precision.</summary>
    public required double TargetPrecision { get; init; }

    /// <summary>Gets when it changed.</summary>
    public required DateTimeOffset ChangedAt { get; init; }
}
