namespace LoopEngine;

/// <summary>The engine's source of randomness (retry jitter, sampling). Injected so tests are deterministic.</summary>
public interface ILoopRandom
{
    /// <summary>Returns a number in [0, 1).</summary>
    /// <returns>The number.</returns>
    double NextDouble();

    /// <summary>Fills a span with random bytes.</summary>
    /// <param name="buffer">The span.</param>
    void NextBytes(Span<byte> buffer);
}
