namespace LoopEngine.Signals;

/// <summary>How a signal type adapts its threshold toward a target precision from labelled signals (see docs/signals.md).</summary>
public sealed record SignalCalibration
{
    /// <summary>Gets the precision the threshold aims for.</summary>
    /// <value>The default is 0.8.</value>
    public double TargetPrecision { get; init; } = 0.8;

    /// <summary>Gets how many of the latest labelled signals are considered.</summary>
    /// <value>The default is 200.</value>
    public int Window { get; init; } = 200;

    /// <summary>Gets how many labelled signals are needed before the threshold moves.</summary>
    /// <value>The default is 30.</value>
    public int MinSamples { get; init; } = 30;

    /// <summary>Gets the largest change of the threshold per labelled signal.</summary>
    /// <value>The default is 0.05.</value>
    public double MaxStep { get; init; } = 0.05;

    /// <summary>Gets the smallest change recorded (smaller moves are skipped to keep the audit trail meaningful).</summary>
    /// <value>The default is 0.005.</value>
    public double MinChange { get; init; } = 0.005;

    /// <summary>Gets the margin below the threshold within which candidates are stored as suppressed, so they can be labelled (misses become observable and the threshold can fall).</summary>
    /// <value>The default is 0.2.</value>
    public double ShadowMargin { get; init; } = 0.2;

    /// <summary>Gets the lowest threshold calibration may set.</summary>
    /// <value>The default is 0.05.</value>
    public double MinThreshold { get; init; } = 0.05;

    /// <summary>Gets the highest threshold calibration may set.</summary>
    /// <value>The default is 0.99.</value>
    public double MaxThreshold { get; init; } = 0.99;
}
