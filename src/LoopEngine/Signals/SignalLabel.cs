namespace LoopEngine.Signals;

/// <summary>Whether a signal proved right.</summary>
public enum SignalLabel
{
    /// <summary>The situation was real (the triggered loop ended in a state that confirms it).</summary>
    Hit = 0,

    /// <summary>The situation was not real (the triggered loop was dismissed).</summary>
    Miss = 1,
}
