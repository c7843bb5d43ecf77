using System.Collections.Frozen;

namespace LoopEngine;

/// <summary>
/// A declared move of running loops from one version of a definition to another: which state of the old version each
/// state maps to in the new one. States the map does not name map to the state of the same id, when the new version has
/// one. Immutable; validated against a registry before use (<see cref="Validate"/>).
/// </summary>
public sealed class LoopMigration
{
    /// <summary>Creates a migration.</summary>
    /// <param name="loopId">The loop id.</param>
    /// <param name="fromVersion">The version running instances are on.</param>
    /// <param name="toVersion">The version they move to.</param>
    /// <param name="stateMap">Old state → new state, for states whose id differs or that go elsewhere; <see langword="null"/> for none.</param>
    public LoopMigration(string loopId, string fromVersion, string toVersion, IReadOnlyDictionary<string, string>? stateMap = null)
    {
        ArgumentNullException.ThrowIfNull(loopId);
        ArgumentNullException.ThrowIfNull(fromVersion);
        ArgumentNullException.ThrowIfNull(toVersion);
        LoopId = loopId;
        FromVersion = fromVersion;
        ToVersion = toVersion;
        StateMap = (stateMap ?? new Dictionary<string, string>()).ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>Gets the loop id.</summary>
    public string LoopId { get; }

    /// <summary>Gets the version running instances are on.</summary>
    public string FromVersion { get; }

    /// <summary>Gets the version they move to.</summary>
    public string ToVersion { get; }

    /// <summary>Gets the explicit state map (old state → new state).</summary>
    public IReadOnlyDictionary<string, string> StateMap { get; }

    /// <summary>Gets <c>loopId@from→to</c>, for messages.</summary>
    public string Key => $"{LoopId}@{FromVersion}->{ToVersion}";

    /// <summary>Maps a state of the old version: the explicit entry, otherwise the same id when the new version has that state.</summary>
    /// <param name="fromState">The old state.</param>
    /// <param name="to">The new version's definition.</param>
    /// <param name="toState">The new state, when mapped.</param>
    /// <returns><see langword="true"/> when the state maps.</returns>
    public bool TryMap(string fromState, LoopDefinition to, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? toState)
    {
        ArgumentNullException.ThrowIfNull(to);
        if (StateMap.TryGetValue(fromState, out toState))
        {
            return true;
        }

        toState = to.TryGetState(fromState, out _) ? fromState : null;
        return toState is not null;
    }

    /// <summary>
    /// Validates the migration against the registered definitions: both versions registered and different; every mapped
    /// state known on its side; no running state of the old version mapped onto a terminal or error state; and every state a
    /// running instance can land on still has a way to a terminal state in the new version.
    /// </summary>
    /// <param name="registry">The registry holding both versions.</param>
    /// <returns>Every problem found; empty when the migration is valid.</returns>
    public IReadOnlyList<DefinitionProblem> Validate(LoopRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        var problems = new List<DefinitionProblem>();
        var versions = registry.Versions(LoopId);
        if (!registry.TryGet(LoopId, FromVersion, out var from))
        {
            problems.Add(new DefinitionProblem("fromVersion", $"Version '{FromVersion}' of loop '{LoopId}' is not registered. Registered versions are: {(versions.Count == 0 ? "none" : string.Join(", ", versions))}."));
        }

        if (!registry.TryGet(LoopId, ToVersion, out var to))
        {
            problems.Add(new DefinitionProblem("toVersion", $"Version '{ToVersion}' of loop '{LoopId}' is not registered. Registered versions are: {(versions.Count == 0 ? "none" : string.Join(", ", versions))}."));
        }

        if (string.Equals(FromVersion, ToVersion, StringComparison.Ordinal))
        {
            problems.Add(new DefinitionProblem("toVersion", $"A migration moves instances between two versions; both are '{ToVersion}'."));
        }

        if (from is null || to is null)
        {
            return problems;
        }

        foreach (var (oldState, newState) in StateMap.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (!from.TryGetState(oldState, out _))
            {
                problems.Add(new DefinitionProblem($"stateMap.{oldState}", $"State '{oldState}' is not a state of '{from.Key}'. Its states are: {string.Join(", ", from.States.Select(s => s.Id))}."));
            }

            if (!to.TryGetState(newState, out _))
            {
                problems.Add(new DefinitionProblem($"stateMap.{oldState}", $"State '{newState}' (the target of '{oldState}') is not a state of '{to.Key}'. Its states are: {string.Join(", ", to.States.Select(s => s.Id))}."));
            }
        }

        var reachesEnd = StatesReachingTerminal(to);
        foreach (var state in from.States.Where(s => !s.IsTerminal && !s.IsError))
        {
            if (!TryMap(state.Id, to, out var target) || !to.TryGetState(target, out var spec))
            {
                continue;
            }

            if (spec.IsTerminal || spec.IsError)
            {
                problems.Add(new DefinitionProblem($"stateMap.{state.Id}", $"Running state '{state.Id}' maps to '{target}', which is {(spec.IsTerminal ? "terminal" : "an error state")} in '{to.Key}': a migration may not end a loop. Map it to a running state."));
            }
            else if (!reachesEnd.Contains(target))
            {
                problems.Add(new DefinitionProblem($"stateMap.{state.Id}", $"Running state '{state.Id}' maps to '{target}', from which no terminal state of '{to.Key}' can be reached: migrated loops would lose their way to a close."));
            }
        }

        return problems;
    }

    /// <summary>Validates the migration and throws when it is invalid.</summary>
    /// <param name="registry">The registry holding both versions.</param>
    /// <exception cref="LoopMigrationException">The migration is invalid; the exception lists every problem.</exception>
    public void EnsureValid(LoopRegistry registry)
    {
        var problems = Validate(registry);
        if (problems.Count > 0)
        {
            throw new LoopMigrationException(Key, problems);
        }
    }

    private static HashSet<string> StatesReachingTerminal(LoopDefinition definition)
    {
        var reached = definition.States.Where(s => s.IsTerminal).Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
        var changed = true;
        while (changed)
        {
            changed = false;
            foreach (var transition in definition.Transitions)
            {
                if (reached.Contains(transition.To) && reached.Add(transition.From))
                {
                    changed = true;
                }
            }
        }

        return reached;
    }

    /// <inheritdoc/>
    public override string ToString() => Key;
}
