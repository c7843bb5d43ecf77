using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace LoopEngine;

/// <summary>
/// Holds the registered loop definitions, several versions per loop id, ordered by semantic version. Lookups by id
/// give the latest unless a version is named. Thread-safe.
/// </summary>
public sealed class LoopRegistry
{
    private readonly Lock _gate = new();
    private ImmutableDictionary<string, ImmutableSortedDictionary<string, LoopDefinition>> _loops =
        ImmutableDictionary.Create<string, ImmutableSortedDictionary<string, LoopDefinition>>(StringComparer.Ordinal);

    /// <summary>Gets the registered loop ids, in ordinal order.</summary>
    public IReadOnlyList<string> LoopIds => [.. _loops.Keys.Order(StringComparer.Ordinal)];

    /// <summary>Gets every registered definition, by loop id then version.</summary>
    public IReadOnlyList<LoopDefinition> All => [.. _loops.OrderBy(p => p.Key, StringComparer.Ordinal).SelectMany(p => p.Value.Values)];

    /// <summary>Registers a definition. Registering an equal definition again does nothing.</summary>
    /// <param name="definition">The definition.</param>
    /// <returns>This registry.</returns>
    /// <exception cref="ArgumentException">Another definition with the same id and version is registered.</exception>
    public LoopRegistry Add(LoopDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        lock (_gate)
        {
            var versions = _loops.TryGetValue(definition.Id, out var existing)
                ? existing
                : ImmutableSortedDictionary.Create<string, LoopDefinition>(SemVerComparer.Instance);
            if (versions.TryGetValue(definition.Version, out var registered))
            {
                if (!registered.Equals(definition))
                {
                    throw new ArgumentException($"Loop '{definition.Key}' is already registered with a different definition. Register changes under a new version (registered versions: {string.Join(", ", versions.Keys)}).", nameof(definition));
                }

                return this;
            }

            _loops = _loops.SetItem(definition.Id, versions.Add(definition.Version, definition));
        }

        return this;
    }

    /// <summary>Gets a definition.</summary>
    /// <param name="loopId">The loop id.</param>
    /// <param name="version">The version, or <see langword="null"/> for the latest.</param>
    /// <returns>The definition.</returns>
    /// <exception cref="UnknownLoopException">The loop or version is not registered; the message lists what is.</exception>
    public LoopDefinition Get(string loopId, string? version = null)
    {
        if (TryGet(loopId, version, out var definition))
        {
            return definition;
        }

        if (loopId is null || !_loops.TryGetValue(loopId, out var versions))
        {
            var known = LoopIds;
            throw new UnknownLoopException(
                $"Loop '{Identifiers.Printable(loopId)}' is not registered. Registered loops are: {(known.Count == 0 ? "none" : string.Join(", ", known))}.",
                loopId ?? string.Empty,
                version);
        }

        throw new UnknownLoopException(
            $"Version '{Identifiers.Printable(version)}' of loop '{loopId}' is not registered. Registered versions are: {string.Join(", ", versions.Keys)}.",
            loopId,
            version);
    }

    /// <summary>Tries to get a definition.</summary>
    /// <param name="loopId">The loop id.</param>
    /// <param name="version">The version, or <see langword="null"/> for the latest.</param>
    /// <param name="definition">The definition, when found.</param>
    /// <returns><see langword="true"/> when found.</returns>
    public bool TryGet(string loopId, string? version, [NotNullWhen(true)] out LoopDefinition? definition)
    {
        definition = null;
        if (loopId is null || !_loops.TryGetValue(loopId, out var versions) || versions.Count == 0)
        {
            return false;
        }

        if (version is null)
        {
            definition = versions.Values.Last();
            return true;
        }

        return versions.TryGetValue(version, out definition);
    }

    /// <summary>Gets the registered versions of a loop, oldest first.</summary>
    /// <param name="loopId">The loop id.</param>
    /// <returns>The versions; empty for an unknown loop.</returns>
    public IReadOnlyList<string> Versions(string loopId) =>
        loopId is not null && _loops.TryGetValue(loopId, out var versions) ? [.. versions.Keys] : [];

    /// <summary>Removes a version. The engine refuses this while instances use it.</summary>
    /// <param name="loopId">The loop id.</param>
    /// <param name="version">The version.</param>
    /// <returns><see langword="true"/> when it was registered.</returns>
    public bool Remove(string loopId, string version)
    {
        lock (_gate)
        {
            if (!_loops.TryGetValue(loopId, out var versions) || !versions.ContainsKey(version))
            {
                return false;
            }

            versions = versions.Remove(version);
            _loops = versions.Count == 0 ? _loops.Remove(loopId) : _loops.SetItem(loopId, versions);
            return true;
        }
    }

    private sealed class SemVerComparer : IComparer<string>
    {
        public static readonly SemVerComparer Instance = new();

        public int Compare(string? x, string? y)
        {
            var a = Parse(x);
            var b = Parse(y);
            for (var i = 0; i < 3; i++)
            {
                var c = a[i].CompareTo(b[i]);
                if (c != 0)
                {
                    return c;
                }
            }

            return string.CompareOrdinal(x, y);
        }

        private static long[] Parse(string? version)
        {
            var parts = (version ?? string.Empty).Split('.');
            var result = new long[3];
            for (var i = 0; i < 3 && i < parts.Length; i++)
            {
                _ = long.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out result[i]);
            }

            return result;
        }
    }
}
