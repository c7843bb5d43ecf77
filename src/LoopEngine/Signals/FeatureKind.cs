namespace LoopEngine.Signals;

/// <summary>How a feature gets its value.</summary>
public enum FeatureKind
{
    /// <summary>An aggregate of an event field per subject over a tumbling or sliding window.</summary>
    Windowed = 0,

    /// <summary>The latest value (by occurred-at) of an event field per subject.</summary>
    Latest = 1,

    /// <summary>A value from host-provided reference data (<see cref="IReferenceData"/>).</summary>
    Reference = 2,
}
