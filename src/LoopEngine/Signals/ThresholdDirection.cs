namespace LoopEngine.Signals;

/// <summary>Which side of a threshold is a breach.</summary>
public enum ThresholdDirection
{
    /// <summary>A value above the threshold breaches it.</summary>
    Above = 0,

    /// <summary>A value below the threshold breaches it.</summary>
    Below = 1,
}
