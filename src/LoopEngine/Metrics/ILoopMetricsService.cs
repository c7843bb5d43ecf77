namespace LoopEngine.Metrics;

/// <summary>Computes a loop's metrics from the store (through an incremental projection of the event stream).</summary>
public interface ILoopMetricsService
{
    /// <summary>Catches up with the store's event stream, then computes the metrics of a loop over a window.</summary>
    /// <param name="orgId">The org.</param>
    /// <param name="loopId">The loop id.</param>
    /// <param name="from">The window's start (inclusive).</param>
    /// <param name="to">The window's end (exclusive).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The metrics.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="to"/> is before <paramref name="from"/>.</exception>
    ValueTask<LoopMetrics> ComputeAsync(string orgId, string loopId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default);
}
