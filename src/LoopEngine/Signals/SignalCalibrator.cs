namespace LoopEngine.Signals;

/// <summary>
/// A signal type's calibration: a sliding window of labelled confidences; after each label (with at least the minimum
/// sample) the target threshold is the lowest labelled confidence at which the window's precision reaches the target,
/// and the threshold moves toward it by at most the maximum step. See docs/signals.md.
/// </summary>
internal sealed class SignalCalibrator(SignalCalibration calibration)
{
    private readonly Queue<(double Confidence, bool Hit)> _window = new();

    public int Count => _window.Count;

    public void Add(double confidence, bool hit)
    {
        _window.Enqueue((confidence, hit));
        while (_window.Count > calibration.Window)
        {
            _window.Dequeue();
        }
    }

    public double? PrecisionAt(double threshold)
    {
        int n = 0, hits = 0;
        foreach (var (c, h) in _window)
        {
            if (c >= threshold)
            {
                n++;
                hits += h ? 1 : 0;
            }
        }

        return n == 0 ? null : (double)hits / n;
    }

    public double? RecallAt(double threshold)
    {
        int all = 0, caught = 0;
        foreach (var (c, h) in _window)
        {
            if (h)
            {
                all++;
                caught += c >= threshold ? 1 : 0;
            }
        }

        return all == 0 ? null : (double)caught / all;
    }

    /// <summary>Proposes the next threshold, or <see langword="null"/> when it should not change.</summary>
    public double? Propose(double current)
    {
        if (_window.Count < calibration.MinSamples)
        {
            return null;
        }

        var sorted = _window.ToArray();
        Array.Sort(sorted, static (a, b) => b.Confidence.CompareTo(a.Confidence));
        double? target = null;
        var hits = 0;
        for (var i = 0; i < sorted.Length; i++)
        {
            hits += sorted[i].Hit ? 1 : 0;

            // Only where the next confidence differs is this a threshold the window can tell apart.
            if (i + 1 < sorted.Length && sorted[i + 1].Confidence == sorted[i].Confidence)
            {
                continue;
            }

            if ((double)hits / (i + 1) >= calibration.TargetPrecision)
            {
                target = sorted[i].Confidence;
            }
        }

        var goal = target ?? calibration.MaxThreshold;
        var next = Math.Clamp(current + Math.Clamp(goal - current, -calibration.MaxStep, calibration.MaxStep), calibration.MinThreshold, calibration.MaxThreshold);
        return Math.Abs(next - current) < Math.Max(calibration.MinChange, 1e-12) ? null : next;
    }
}
