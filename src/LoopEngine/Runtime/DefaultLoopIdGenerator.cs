namespace LoopEngine;

/// <summary>
/// The default id generator: <c>prefix_</c> followed by a time-ordered, 26-character Crockford base-32 ULID built from the
/// injected <see cref="TimeProvider"/> and <see cref="ILoopRandom"/>.
/// </summary>
public sealed class DefaultLoopIdGenerator : ILoopIdGenerator
{
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    private readonly TimeProvider _time;
    private readonly ILoopRandom _random;

    /// <summary>Creates the generator.</summary>
    /// <param name="time">The clock.</param>
    /// <param name="random">The randomness.</param>
    public DefaultLoopIdGenerator(TimeProvider time, ILoopRandom random)
    {
        _time = time;
        _random = random;
    }

    /// <inheritdoc/>
    public string NewId(string prefix)
    {
        Span<byte> bytes = stackalloc byte[16];
        var ms = (ulong)_time.GetUtcNow().ToUnixTimeMilliseconds();
        for (var i = 0; i < 6; i++)
        {
            bytes[i] = (byte)(ms >> (8 * (5 - i)));
        }

        _random.NextBytes(bytes[6..]);
        Span<char> chars = stackalloc char[26];
        var value = new UInt128(BitConverter.ToUInt64([bytes[7], bytes[6], bytes[5], bytes[4], bytes[3], bytes[2], bytes[1], bytes[0]]), BitConverter.ToUInt64([bytes[15], bytes[14], bytes[13], bytes[12], bytes[11], bytes[10], bytes[9], bytes[8]]));
        for (var i = 25; i >= 0; i--)
        {
            chars[i] = Alphabet[(int)(value & 31)];
            value >>= 5;
        }

        return string.Concat(prefix, "_", chars);
    }
}
