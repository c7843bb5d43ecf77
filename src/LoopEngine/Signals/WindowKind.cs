namespace LoopEngine.Signals;

/// <summary>How a window moves.</summary>
public enum WindowKind
{
    /// <summary>Fixed, non-overlapping windows aligned to multiples of the length since the Unix epoch; the value is the current window's.</summary>
    Tumbling = 0,

    /// <summary>The last window length up to the watermark, kept in buckets of the step; older buckets fall out.</summary>
    Sliding = 1,
}
