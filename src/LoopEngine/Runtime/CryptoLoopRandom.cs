using System.Security.Cryptography;

namespace LoopEngine;

/// <summary>The default randomness: the operating system's cryptographic generator.</summary>
public sealed class CryptoLoopRandom : ILoopRandom
{
    /// <summary>Gets the shared instance.</summary>
    public static CryptoLoopRandom Instance { get; } = new();

    /// <inheritdoc/>
    public double NextDouble()
    {
        Span<byte> bytes = stackalloc byte[8];
        RandomNumberGenerator.Fill(bytes);
        return (BitConverter.ToUInt64(bytes) >> 11) * (1.0 / (1UL << 53));
    }

    /// <inheritdoc/>
    public void NextBytes(Span<byte> buffer) => RandomNumberGenerator.Fill(buffer);
}
