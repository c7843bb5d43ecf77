namespace LoopEngine.Signals;

/// <summary>One subject's state for one signal: the last emission (for the cooldown) and a running baseline (for z-scores).</summary>
internal sealed class SignalSubjectState : SubjectState
{
    public long LastEmittedAt = long.MinValue;
    public long BaselineCount;
    public double BaselineMean;
    public double BaselineM2;

    public void AddToBaseline(double x)
    {
        // Welford's online mean and variance.
        BaselineCount++;
        var delta = x - BaselineMean;
        BaselineMean += delta / BaselineCount;
        BaselineM2 += delta * (x - BaselineMean);
    }
}
