namespace LoopEngine.Signals;

/// <summary>Whether a scored candidate was emitted.</summary>
public enum SignalStatus
{
    /// <summary>The confidence reached the threshold: the signal was announced and may trigger a loop.</summary>
    Emitted = 0,

    /// <summary>The confidence fell within the shadow margin below the threshold: stored for labelling only.</summary>
    Suppressed = 1,
}
