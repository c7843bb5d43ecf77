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
    private readonly Lock _gate = new();
    private readonly byte[] _pool = new byte[1280];
    private int _offset = 1280;

    /// <summary>Creates the generator.</summary>
    /// <param name="time">The clock.</param>
    /// <param name="random">The randomness.</param>
    public DefaultLoopIdGenerator(TimeProvider time, ILoopRandom random)
    {
        _time = time;
        _random = random;
    }

    /// <summary>Gets the clock the ids' time part comes from.</summary>
    internal TimeProvider Time => _time;

    /// <inheritdoc/>
    public string NewId(string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        var (high, low) = NewUlid();
        return Format(prefix, high, low);
    }

    /// <summary>Draws the 128 bits of a new id (48 bits of milliseconds, 80 random bits) without formatting it.</summary>
    internal (ulong High, ulong Low) NewUlid() => NewUlid(_time.GetUtcNow());

    /// <summary>Draws a new id for <paramref name="at"/>, a time just read from this generator's clock.</summary>
    internal (ulong High, ulong Low) NewUlid(DateTimeOffset at)
    {
        var ms = (ulong)at.ToUnixTimeMilliseconds();
        ulong high;
        ulong low;
        lock (_gate)
        {
            // Randomness is drawn in blocks: one call to the generator serves many ids.
            if (_offset + 10 > _pool.Length)
            {
                _random.NextBytes(_pool);
                _offset = 0;
            }

            var random = _pool.AsSpan(_offset, 10);
            _offset += 10;
            high = (ms << 16) | ((ulong)random[0] << 8) | random[1];
            low = BitConverter.ToUInt64(random[2..]);
        }

        return (high, low);
    }

    /// <summary>Formats an id as <see cref="NewId"/> does: <c>prefix_</c> and 26 Crockford base-32 characters.</summary>
    internal static string Format(string prefix, ulong high, ulong low) =>
        string.Create(prefix.Length + 27, (prefix, high, low), static (span, s) =>
        {
            s.prefix.AsSpan().CopyTo(span);
            span[s.prefix.Length] = '_';
            var value = new UInt128(s.high, s.low);
            var chars = span[(s.prefix.Length + 1)..];
            for (var i = 25; i >= 0; i--)
            {
                chars[i] = Alphabet[(int)(value & 31)];
                value >>= 5;
            }
        });
}
