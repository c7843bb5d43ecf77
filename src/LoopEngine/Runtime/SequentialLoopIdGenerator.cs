namespace LoopEngine;

/// <summary>A deterministic id generator for tests and simulations: <c>prefix_000001</c>, <c>prefix_000002</c>... Thread-safe.</summary>
public sealed class SequentialLoopIdGenerator : ILoopIdGenerator
{
    private long _next;

    /// <inheritdoc/>
    public string NewId(string prefix) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{prefix}_{Interlocked.Increment(ref _next):D6}");
}
