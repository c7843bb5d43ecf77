using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace LoopEngine;

/// <summary>
/// Holds loop definitions by id, several versions of each, ordered by semantic version (numeric major, minor, patch).
/// Thread-safe: reads see an immutable snapshot, and adds and removes swap it atomically.
/// </summary>
public sealed class LoopRegistry
{
    private static readonly IComparer<string> VersionOrder = Comparer<string>.Create(CompareVersions);

    private readonly Lock _gate = new();
    private ImmutableSortedDictionary<string, ImmutableSortedDictionary<string, LoopDefinition>> _loops =
        ImmutableSortedDictionary.Create<string, ImmutableSortedDictionary<string, LoopDefinition>>(StringComparer.Ordinal);

    /// <summary>Gets the registered loop ids, in ordinal order.</summary>
    public IReadOnlyList<string> LoopIds => [.. _loops.Keys];

    /// <summary>Gets every registered definition, by loop id and then ascending version.</summary>
    public IReadOnlyList<LoopDefinition> All => [.. _loops.Values.SelectMany(v => v.Values)];

    /// <summary>Registers a definition. Adding an equal definition again does nothing.</summary>
    /// <param name="definition">The definition.</param>
    /// <returns>This registry.</returns>
    /// <exception cref="LoopVersionConflictException">A different definition with the same id and version is registered.</exception>
    public LoopRegistry Add(LoopDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        lock (_gate)
        {
            var versions = _loops.TryGetValue(definition.Id, out var existing)
                ? existing
                : ImmutableSortedDictionary.Create<string, LoopDefinition>(VersionOrder);
            if (versions.TryGetValue(definition.Version, out var registered))
            {
                return registered.Equals(definition) ? this : throw new LoopVersionConflictException(definition.Key);
            }

            _loops = _loops.SetItem(definition.Id, versions.Add(definition.Version, definition));
        }

        return this;
    }

    /// <summary>Removes one version of a loop.</summary>
    /// <param name="loopId">The loop id.</param>
    /// <param name="version">The version.</param>
    /// <returns><see langword="true"/> when the version was registered and is now removed.</returns>
    public bool Remove(string loopId, string version)
    {
        ArgumentNullException.ThrowIfNull(loopId);
        ArgumentNullException.ThrowIfNull(version);
        lock (_gate)
        {
            if (!_loops.TryGetValue(loopId, out var versions) || !versions.ContainsKey(version))
            {
                return false;
            }

            var remaining = versions.Remove(version);
            _loops = remaining.IsEmpty ? _loops.Remove(loopId) : _loops.SetItem(loopId, remaining);
            return true;
        }
    }

    /// <summary>Gets a definition: the named version, or the latest when <paramref name="version"/> is <see langword="null"/>.</summary>
    /// <param name="loopId">The loop id.</param>
    /// <param name="version">The version, or <see langword="null"/> for the latest.</param>
    /// <returns>The definition.</returns>
    /// <exception cref="UnknownLoopException">The loop id or the version is not registered; the message lists the known ids or versions.</exception>
    public LoopDefinition Get(string loopId, string? version = null)
    {
        ArgumentNullException.ThrowIfNull(loopId);
        var snapshot = _loops;
        if (!snapshot.TryGetValue(loopId, out var versions))
        {
            throw new UnknownLoopException(loopId, version, $"Loop '{Identifiers.Printable(loopId)}' is not registered. Registered loops are: {(snapshot.IsEmpty ? "none" : string.Join(", ", snapshot.Keys))}.");
        }

        if (version is null)
        {
            return versions.Values.Last();
        }

        return versions.TryGetValue(version, out var definition)
            ? definition
            : throw new UnknownLoopException(loopId, version, $"Version '{Identifiers.Printable(version)}' of loop '{loopId}' is not registered. Registered versions are: {string.Join(", ", versions.Keys)}.");
    }

    /// <summary>Tries to get a definition: the named version, or the latest when <paramref name="version"/> is <see langword="null"/>.</summary>
    /// <param name="loopId">The loop id.</param>
    /// <param name="version">The version, or <see langword="null"/> for the latest.</param>
    /// <param name="definition">The definition, when found.</param>
    /// <returns><see langword="true"/> when found.</returns>
    public bool TryGet(string loopId, string? version, [NotNullWhen(true)] out LoopDefinition? definition)
    {
        definition = null;
        if (loopId is null || !_loops.TryGetValue(loopId, out var versions))
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

    /// <summary>Gets the registered versions of a loop, ascending (<c>1.9.0</c> before <c>1.10.0</c>).</summary>
    /// <param name="loopId">The loop id.</param>
    /// <returns>The versions; empty when the loop is not registered.</returns>
    public IReadOnlyList<string> Versions(string loopId) =>
        loopId is not null && _loops.TryGetValue(loopId, out var versions) ? [.. versions.Keys] : [];

    /// <summary>Compares two <c>major.minor.patch</c> versions numerically; text that is not a version sorts ordinally after them.</summary>
    /// <param name="left">One version.</param>
    /// <param name="right">The other version.</param>
    /// <returns>Less than zero, zero or more than zero.</returns>
    internal static int CompareVersions(string? left, string? right)
    {
        var a = ParseVersion(left);
        var b = ParseVersion(right);
        if (a is null || b is null)
        {
            return a is null && b is null ? string.CompareOrdinal(left, right) : a is null ? 1 : -1;
        }

        for (var i = 0; i < 3; i++)
        {
            var c = a[i].CompareTo(b[i]);
            if (c != 0)
            {
                return c;
            }
        }

        return 0;
    }

    private static System.Numerics.BigInteger[]? ParseVersion(string? version)
    {
        if (!LoopDefinitionValidator.IsSemVer(version))
        {
            return null;
        }

        return [.. version!.Split('.').Select(p => System.Numerics.BigInteger.Parse(p, NumberStyles.None, CultureInfo.InvariantCulture))];
    }
}
