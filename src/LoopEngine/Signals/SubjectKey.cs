namespace LoopEngine.Signals;

/// <summary>
/// A subject's identity for one set of key names: up to four values referenced from the event (no copy, no
/// allocation) and their hash computed once.
/// </summary>
internal readonly struct SubjectKey : IEquatable<SubjectKey>
{
    public const int MaxKeys = 4;

    private readonly string? _k0, _k1, _k2, _k3;
    private readonly int _hash;

    private SubjectKey(string? k0, string? k1, string? k2, string? k3)
    {
        _k0 = k0;
        _k1 = k1;
        _k2 = k2;
        _k3 = k3;
        // One key (the common case) hashes as its string; more keys are combined.
        _hash = k1 is null ? k0?.GetHashCode(StringComparison.Ordinal) ?? 0 : HashCode.Combine(k0, k1, k2, k3);
    }

    public static bool TryCreate(string[] names, IReadOnlyDictionary<string, string> keys, out SubjectKey key)
    {
        string? k0 = null, k1 = null, k2 = null, k3 = null;
        for (var i = 0; i < names.Length; i++)
        {
            if (!keys.TryGetValue(names[i], out var value))
            {
                key = default;
                return false;
            }

            switch (i)
            {
                case 0: k0 = value; break;
                case 1: k1 = value; break;
                case 2: k2 = value; break;
                default: k3 = value; break;
            }
        }

        key = new SubjectKey(k0, k1, k2, k3);
        return true;
    }

    public string? this[int index] => index switch { 0 => _k0, 1 => _k1, 2 => _k2, _ => _k3 };

    public bool Equals(SubjectKey other) =>
        _hash == other._hash && string.Equals(_k0, other._k0, StringComparison.Ordinal) && string.Equals(_k1, other._k1, StringComparison.Ordinal)
        && string.Equals(_k2, other._k2, StringComparison.Ordinal) && string.Equals(_k3, other._k3, StringComparison.Ordinal);

    public override bool Equals(object? obj) => obj is SubjectKey other && Equals(other);

    public override int GetHashCode() => _hash;
}
