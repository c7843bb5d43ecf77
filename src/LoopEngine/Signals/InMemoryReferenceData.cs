namespace LoopEngine.Signals;

/// <summary>Reference data held in memory: a value per name and subject, where a subject matches when all of an entry's keys match. Thread-safe.</summary>
public sealed class InMemoryReferenceData : IReferenceData
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, List<(KeyValuePair<string, string>[] Subject, double Value)>> _entries = new(StringComparer.Ordinal);

    /// <summary>Sets a value.</summary>
    /// <param name="name">The value's name.</param>
    /// <param name="value">The value.</param>
    /// <param name="subject">The subject keys it applies to; none for a global value.</param>
    /// <returns>This instance.</returns>
    public InMemoryReferenceData Set(string name, double value, params (string Key, string Value)[] subject)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(subject);
        var keys = new KeyValuePair<string, string>[subject.Length];
        for (var i = 0; i < subject.Length; i++)
        {
            keys[i] = new(subject[i].Key, subject[i].Value);
        }

        lock (_gate)
        {
            if (!_entries.TryGetValue(name, out var list))
            {
                _entries[name] = list = [];
            }

            list.RemoveAll(e => Same(e.Subject, keys));
            list.Add((keys, value));

            // The most specific entry wins.
            list.Sort((a, b) => b.Subject.Length.CompareTo(a.Subject.Length));
        }

        return this;
    }

    /// <inheritdoc/>
    public bool TryGetValue(string name, IReadOnlyDictionary<string, string> subject, out double value)
    {
        ArgumentNullException.ThrowIfNull(subject);
        lock (_gate)
        {
            if (_entries.TryGetValue(name, out var list))
            {
                foreach (var (keys, v) in list)
                {
                    if (Matches(keys, subject))
                    {
                        value = v;
                        return true;
                    }
                }
            }
        }

        value = 0;
        return false;
    }

    private static bool Matches(KeyValuePair<string, string>[] keys, IReadOnlyDictionary<string, string> subject)
    {
        foreach (var (key, expected) in keys)
        {
            if (!subject.TryGetValue(key, out var actual) || !string.Equals(actual, expected, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private static bool Same(KeyValuePair<string, string>[] a, KeyValuePair<string, string>[] b) =>
        a.Length == b.Length && Matches(a, b.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal));
}
