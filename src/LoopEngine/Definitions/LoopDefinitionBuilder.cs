using System.Text.Json;

namespace LoopEngine;

/// <summary>
/// Builds a <see cref="LoopDefinition"/> with a fluent API. Single-use: <see cref="Build"/> validates every rule at
/// once and may be called only once.
/// </summary>
/// <example>
/// <code>
/// var procurement = LoopDefinition.Create("scm.procurement", "2.0.0")
///     .WithDescription("Purchase order lifecycle")
///     .AddState("OPEN", s => s.Initial())
///     .AddState("PO_CONFIRMED")
///     .AddState("CLOSED", s => s.Terminal())
///     .AddTransition("confirm_po", "OPEN", "PO_CONFIRMED", t => t.AllowActors(ActorType.Human).RequireEvidence("approved"))
///     .AddTransition("close", "PO_CONFIRMED", "CLOSED", t => t.AllowActors(ActorType.Automation))
///     .WithOutcome("po_closed", "Purchase order closed", "po_closed")
///     .Build();
/// </code>
/// </example>
public sealed class LoopDefinitionBuilder
{
    private readonly string _id;
    private readonly string _version;
    private readonly List<StateBuilder> _states = [];
    private readonly List<TransitionBuilder> _transitions = [];
    private readonly List<string> _spawnable = [];
    private readonly List<string> _participants = [];
    private readonly Dictionary<string, JsonElement> _metadata = new(StringComparer.Ordinal);
    private string? _domain;
    private string? _description;
    private string? _initialState;
    private OutcomeBuilder? _outcome;
    private LoopPolicy _policy = LoopPolicy.Default;
    private bool _built;

    /// <summary>Creates a builder.</summary>
    /// <param name="id">The loop id, <c>domain.name</c>.</param>
    /// <param name="version">The semantic version.</param>
    public LoopDefinitionBuilder(string id, string version = "1.0.0")
    {
        _id = id;
        _version = version;
    }

    /// <summary>Sets the domain. The default is the part of the id before the dot.</summary>
    /// <param name="domain">The domain.</param>
    /// <returns>This builder.</returns>
    public LoopDefinitionBuilder WithDomain(string domain)
    {
        _domain = domain;
        return this;
    }

    /// <summary>Sets the description. The default is the loop id.</summary>
    /// <param name="description">The description.</param>
    /// <returns>This builder.</returns>
    public LoopDefinitionBuilder WithDescription(string description)
    {
        _description = description;
        return this;
    }

    /// <summary>Adds a state. The first state added is the initial state unless another is marked initial.</summary>
    /// <param name="id">The state id (upper snake case).</param>
    /// <param name="configure">Sets the state's flags, description and SLA.</param>
    /// <returns>This builder.</returns>
    public LoopDefinitionBuilder AddState(string id, Action<StateBuilder>? configure = null)
    {
        var state = new StateBuilder(id);
        configure?.Invoke(state);
        _states.Add(state);
        if (state.IsInitial)
        {
            _initialState = id;
        }

        return this;
    }

    /// <summary>Names the initial state.</summary>
    /// <param name="stateId">The state id.</param>
    /// <returns>This builder.</returns>
    public LoopDefinitionBuilder WithInitialState(string stateId)
    {
        _initialState = stateId;
        return this;
    }

    /// <summary>Adds a transition.</summary>
    /// <param name="id">The transition id (lower snake case).</param>
    /// <param name="from">The state it leaves.</param>
    /// <param name="to">The state it enters.</param>
    /// <param name="configure">Sets its actors, guards, evidence and approval policy.</param>
    /// <returns>This builder.</returns>
    public LoopDefinitionBuilder AddTransition(string id, string from, string to, Action<TransitionBuilder>? configure = null)
    {
        var transition = new TransitionBuilder(id, from, to);
        configure?.Invoke(transition);
        _transitions.Add(transition);
        return this;
    }

    /// <summary>Sets the outcome.</summary>
    /// <param name="id">The outcome id.</param>
    /// <param name="description">What the outcome is.</param>
    /// <param name="valueUnit">The unit a completion counts as.</param>
    /// <param name="configure">Adds business metrics.</param>
    /// <returns>This builder.</returns>
    public LoopDefinitionBuilder WithOutcome(string id, string description, string valueUnit, Action<OutcomeBuilder>? configure = null)
    {
        _outcome = new OutcomeBuilder(id, description, valueUnit);
        configure?.Invoke(_outcome);
        return this;
    }

    /// <summary>Sets the definition-wide actor policy. The default is <see cref="LoopPolicy.Default"/>.</summary>
    /// <param name="policy">The policy.</param>
    /// <returns>This builder.</returns>
    public LoopDefinitionBuilder WithPolicy(LoopPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        _policy = policy;
        return this;
    }

    /// <summary>Declares loops this loop may open as children.</summary>
    /// <param name="loopIds">The child loop ids.</param>
    /// <returns>This builder.</returns>
    public LoopDefinitionBuilder CanSpawn(params string[] loopIds)
    {
        _spawnable.AddRange(loopIds);
        return this;
    }

    /// <summary>Adds participants (reference format).</summary>
    /// <param name="participants">The participants.</param>
    /// <returns>This builder.</returns>
    public LoopDefinitionBuilder AddParticipants(params string[] participants)
    {
        _participants.AddRange(participants);
        return this;
    }

    /// <summary>Adds another tool's metadata key, kept verbatim. The key <c>loopengine</c> is reserved.</summary>
    /// <param name="key">The metadata key.</param>
    /// <param name="value">The value.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="key"/> is <c>loopengine</c>.</exception>
    public LoopDefinitionBuilder WithMetadata(string key, JsonElement value)
    {
        if (key == "loopengine")
        {
            throw new ArgumentException("The metadata key 'loopengine' is reserved: set policy, SLAs and metric kinds through the builder.", nameof(key));
        }

        _metadata[key] = value.Clone();
        return this;
    }

    /// <summary>Validates and builds the definition.</summary>
    /// <returns>The immutable definition.</returns>
    /// <exception cref="LoopDefinitionException">The definition breaks one or more rules; every problem is listed.</exception>
    /// <exception cref="InvalidOperationException">The builder was already used.</exception>
    public LoopDefinition Build()
    {
        if (_built)
        {
            throw new InvalidOperationException($"This builder already built '{_id}@{_version}'. A builder is single-use: create a new one with LoopDefinition.Create.");
        }

        _built = true;
        var dot = _id?.IndexOf('.', StringComparison.Ordinal) ?? -1;
        var definition = new LoopDefinition(
            _id!,
            _version,
            _domain ?? (dot > 0 ? _id![..dot] : _id ?? string.Empty),
            _description ?? _id ?? string.Empty,
            _states.Select(s => s.ToSpec()),
            _initialState ?? (_states.Count > 0 ? _states[0].Id : string.Empty),
            _transitions.Select(t => t.ToSpec()),
            _outcome?.ToSpec() ?? new OutcomeSpec(string.Empty, string.Empty, string.Empty) { HasBusinessMetricsProperty = false },
            _participants.Count > 0 ? _participants : null,
            _spawnable.Count > 0 ? _spawnable : null,
            _policy,
            _metadata);
        var problems = LoopDefinitionValidator.Validate(definition);
        return problems.Count > 0 ? throw new LoopDefinitionException($"{Identifiers.Printable(_id)}@{Identifiers.Printable(_version)}", problems) : definition;
    }
}
