using System.Collections.Frozen;
using System.Text.Json;

namespace LoopEngine;

/// <summary>
/// An immutable, validated loop: its finite states, the transitions allowed between them, who may take them,
/// behind which guards, and the outcome it produces. Built with <see cref="Create(string, string)"/> or loaded from
/// the reference JSON/YAML format with <see cref="LoopDefinitionSerializer"/>.
/// </summary>
public sealed class LoopDefinition : IEquatable<LoopDefinition>
{
    private readonly FrozenDictionary<string, StateSpec> _states;
    private readonly FrozenDictionary<string, TransitionSpec> _transitions;
    private readonly FrozenDictionary<string, TransitionSpec[]> _transitionsFrom;

    internal LoopDefinition(
        string id,
        string version,
        string domain,
        string description,
        IEnumerable<StateSpec> states,
        string initialState,
        IEnumerable<TransitionSpec> transitions,
        OutcomeSpec outcome,
        IEnumerable<string>? participants,
        IEnumerable<string>? spawnableLoops,
        LoopPolicy? policy,
        IReadOnlyDictionary<string, JsonElement>? metadata)
    {
        Id = id;
        Version = version;
        Domain = domain;
        Description = description;
        States = ValueList<StateSpec>.From(states);
        InitialState = initialState;
        Transitions = ValueList<TransitionSpec>.From(transitions);
        Outcome = outcome;
        Participants = participants is null ? null : ValueList<string>.From(participants);
        SpawnableLoops = spawnableLoops is null ? null : ValueList<string>.From(spawnableLoops);
        Policy = policy ?? LoopPolicy.Default;
        Metadata = (metadata ?? new Dictionary<string, JsonElement>()).ToFrozenDictionary(p => p.Key, p => p.Value.Clone(), StringComparer.Ordinal);

        // Lookups tolerate duplicates here: the validator reports them, and an invalid definition is never handed out.
        _states = States.GroupBy(s => s.Id, StringComparer.Ordinal).ToFrozenDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        _transitions = Transitions.GroupBy(t => t.Id, StringComparer.Ordinal).ToFrozenDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        _transitionsFrom = Transitions.GroupBy(t => t.From, StringComparer.Ordinal).ToFrozenDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
    }

    /// <summary>Gets the loop id, <c>domain.name</c> (<c>scm.replenishment</c>).</summary>
    public string Id { get; }

    /// <summary>Gets the semantic version (<c>2.0.0</c>).</summary>
    public string Version { get; }

    /// <summary>Gets the domain (<c>scm</c>).</summary>
    public string Domain { get; }

    /// <summary>Gets the description.</summary>
    public string Description { get; }

    /// <summary>Gets the states, in declaration order.</summary>
    public IReadOnlyList<StateSpec> States { get; }

    /// <summary>Gets the initial state's id.</summary>
    public string InitialState { get; }

    /// <summary>Gets the transitions, in declaration order.</summary>
    public IReadOnlyList<TransitionSpec> Transitions { get; }

    /// <summary>Gets the outcome spec.</summary>
    public OutcomeSpec Outcome { get; }

    /// <summary>Gets the participants (reference format), or <see langword="null"/> when absent.</summary>
    public IReadOnlyList<string>? Participants { get; }

    /// <summary>Gets the loop ids this loop may open as children, or <see langword="null"/> when absent.</summary>
    public IReadOnlyList<string>? SpawnableLoops { get; }

    /// <summary>Gets the actor policy (<c>metadata.loopengine.policy</c>).</summary>
    public LoopPolicy Policy { get; }

    /// <summary>Gets the metadata keys other than <c>loopengine</c>, kept verbatim for other tools.</summary>
    public IReadOnlyDictionary<string, JsonElement> Metadata { get; }

    /// <summary>Gets the <c>id@version</c> key of this definition.</summary>
    public string Key => $"{Id}@{Version}";

    /// <summary>Starts building a definition with the fluent API.</summary>
    /// <param name="id">The loop id, <c>domain.name</c>.</param>
    /// <param name="version">The semantic version, <c>x.y.z</c>.</param>
    /// <returns>A single-use builder.</returns>
    public static LoopDefinitionBuilder Create(string id, string version = "1.0.0") => new(id, version);

    /// <summary>Gets a state by id.</summary>
    /// <param name="stateId">The state id.</param>
    /// <param name="state">The state, when found.</param>
    /// <returns><see langword="true"/> when the state exists.</returns>
    public bool TryGetState(string stateId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out StateSpec? state) =>
        _states.TryGetValue(stateId, out state);

    /// <summary>Gets a state by id.</summary>
    /// <param name="stateId">The state id.</param>
    /// <returns>The state.</returns>
    /// <exception cref="UnknownStateException">No such state; the message lists the states.</exception>
    public StateSpec GetState(string stateId) =>
        _states.TryGetValue(stateId, out var state) ? state : throw new UnknownStateException(Id, stateId, States.Select(s => s.Id));

    /// <summary>Gets a transition by id.</summary>
    /// <param name="transitionId">The transition id.</param>
    /// <param name="transition">The transition, when found.</param>
    /// <returns><see langword="true"/> when the transition exists.</returns>
    public bool TryGetTransition(string transitionId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out TransitionSpec? transition) =>
        _transitions.TryGetValue(transitionId, out transition);

    /// <summary>Gets the transitions that leave a state.</summary>
    /// <param name="stateId">The state id.</param>
    /// <returns>The transitions, in declaration order; empty for an unknown or terminal state.</returns>
    public IReadOnlyList<TransitionSpec> TransitionsFrom(string stateId) =>
        _transitionsFrom.TryGetValue(stateId, out var list) ? list : [];

    /// <inheritdoc/>
    public bool Equals(LoopDefinition? other)
    {
        if (other is null)
        {
            return false;
        }

        if (ReferenceEquals(this, other))
        {
            return true;
        }

        return Id == other.Id && Version == other.Version && Domain == other.Domain && Description == other.Description
            && States.Equals(other.States) && InitialState == other.InitialState && Transitions.Equals(other.Transitions)
            && Outcome == other.Outcome && Equals(Participants, other.Participants) && Equals(SpawnableLoops, other.SpawnableLoops)
            && Policy == other.Policy && MetadataEquals(Metadata, other.Metadata);
    }

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is LoopDefinition other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Id, Version, States.Count, Transitions.Count);

    /// <inheritdoc/>
    public override string ToString() => Key;

    private static bool MetadataEquals(IReadOnlyDictionary<string, JsonElement> a, IReadOnlyDictionary<string, JsonElement> b) =>
        a.Count == b.Count && a.All(p => b.TryGetValue(p.Key, out var v) && JsonElement.DeepEquals(p.Value, v));
}
