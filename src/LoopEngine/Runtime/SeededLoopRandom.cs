namespace LoopEngine;

/// <summary>A deterministic randomness for tests and simulations (xoshiro256** seeded by SplitMix64). Thread-safe.</summary>
public sealed class SeededLoopRandom : ILoopRandom
{
    private readonly Lock _gate = new();
    private ulong _s0, _s1, _s2, _s3;

    /// <summary>Creates the generator.</summary>
    /// <param name="seed">The seed; the same seed gives the same sequence.</param>
    public SeededLoopRandom(ulong seed)
    {
        _s0 = SplitMix(ref seed);
        _s1 = SplitMix(ref seed);
        _s2 = SplitMix(ref seed);
        _s3 = SplitMix(ref seed);
    }

    /// <inheritdoc/>
    public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));

    /// <inheritdoc/>
    public void NextBytes(Span<byte> buffer)
    {
        for (var i = 0; i < buffer.Length; i += 8)
        {
            var value = Next();
            for (var j = 0; j < 8 && i + j < buffer.Length; j++)
            {
                buffer[i + j] = (byte)(value >> (8 * j));
            }
        }
    }

    private ulong Next()
    {
        lock (_gate)
        {
            var result = ulong.RotateLeft(_s1 * 5, 7) * 9;
            var t = _s1 << 17;
            _s2 ^= _s0;
            _s3 ^= _s1;
            _s1 ^= _s2;
            _s0 ^= _s3;
            _s2 ^= t;
            _s3 = ulong.RotateLeft(_s3, 45);
            return result;
        }
    }

    private static ulong SplitMix(ref ulong state)
    {
        var z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
