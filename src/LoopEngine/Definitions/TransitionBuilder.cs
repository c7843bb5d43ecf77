namespace LoopEngine;

/// <summary>Configures one transition in a <see cref="LoopDefinitionBuilder"/>.</summary>
public sealed class TransitionBuilder
{
    private readonly string _id;
    private readonly string _from;
    private readonly string _to;
    private readonly List<ActorType> _actors = [];
    private readonly List<GuardSpec> _guards = [];
    private readonly List<SideEffectSpec> _sideEffects = [];
    private readonly List<string> _evidence = [];
    private readonly List<string> _roles = [];
    private readonly List<string> _spawns = [];
    private List<ActorType>? _approvers;
    private string? _description;
    private bool _fourEyes = true;
    private bool _aiMayExecute;
    private TimeSpan? _ttl;

    internal TransitionBuilder(string id, string from, string to)
    {
        _id = id;
        _from = from;
        _to = to;
    }

    /// <summary>Adds the actor types that may take part in the transition.</summary>
    /// <param name="actors">The actor types.</param>
    /// <returns>This builder.</returns>
    public TransitionBuilder AllowActors(params ActorType[] actors)
    {
        _actors.AddRange(actors);
        return this;
    }

    /// <summary>Sets the description.</summary>
    /// <param name="description">The description.</param>
    /// <returns>This builder.</returns>
    public TransitionBuilder WithDescription(string description)
    {
        _description = description;
        return this;
    }

    /// <summary>Adds a guard.</summary>
    /// <param name="id">The guard id; a <see cref="GuardEvaluator.Runtime"/> guard needs an implementation registered for it.</param>
    /// <param name="description">What it checks.</param>
    /// <param name="failureMessage">The message recorded when it fails.</param>
    /// <param name="severity">Hard (blocks) or soft (warns).</param>
    /// <param name="evaluatedBy">Who evaluates it.</param>
    /// <returns>This builder.</returns>
    public TransitionBuilder AddGuard(string id, string description, string failureMessage, GuardSeverity severity = GuardSeverity.Hard, GuardEvaluator evaluatedBy = GuardEvaluator.Runtime)
    {
        _guards.Add(new GuardSpec(id, description, failureMessage, severity, evaluatedBy));
        return this;
    }

    /// <summary>Adds an announced side effect (reference format).</summary>
    /// <param name="id">The side effect's id.</param>
    /// <param name="description">What it does.</param>
    /// <param name="triggeredBy">What triggers it.</param>
    /// <returns>This builder.</returns>
    public TransitionBuilder AddSideEffect(string id, string description, string triggeredBy)
    {
        _sideEffects.Add(new SideEffectSpec(id, description, triggeredBy));
        return this;
    }

    /// <summary>Requires evidence fields to be present for the transition to execute.</summary>
    /// <param name="fields">The field names.</param>
    /// <returns>This builder.</returns>
    public TransitionBuilder RequireEvidence(params string[] fields)
    {
        _evidence.AddRange(fields);
        return this;
    }

    /// <summary>Sets who may approve a recommendation of this transition. The default is the loop policy's approvers.</summary>
    /// <param name="approvers">The approver types.</param>
    /// <returns>This builder.</returns>
    public TransitionBuilder ApprovedBy(params ActorType[] approvers)
    {
        _approvers = [.. approvers];
        return this;
    }

    /// <summary>Requires roles or permissions of executing and approving actors, checked by the host's authorizer.</summary>
    /// <param name="roles">The roles (<c>po.approve</c>).</param>
    /// <returns>This builder.</returns>
    public TransitionBuilder RequireRoles(params string[] roles)
    {
        _roles.AddRange(roles);
        return this;
    }

    /// <summary>Sets whether the approver must differ from the recommender. The default is <see langword="true"/>.</summary>
    /// <param name="enabled">Whether four-eyes applies.</param>
    /// <returns>This builder.</returns>
    public TransitionBuilder FourEyes(bool enabled = true)
    {
        _fourEyes = enabled;
        return this;
    }

    /// <summary>Lets AI agents execute this transition instead of only recommending it.</summary>
    /// <param name="enabled">Whether AI agents may execute.</param>
    /// <returns>This builder.</returns>
    public TransitionBuilder AiMayExecute(bool enabled = true)
    {
        _aiMayExecute = enabled;
        return this;
    }

    /// <summary>Sets how long a recommendation of this transition stays open.</summary>
    /// <param name="ttl">The time-to-live.</param>
    /// <returns>This builder.</returns>
    public TransitionBuilder RecommendationTtl(TimeSpan ttl)
    {
        _ttl = ttl;
        return this;
    }

    /// <summary>Declares child loops this transition opens when it executes (each must be in the loop's spawnable loops).</summary>
    /// <param name="loopIds">The child loop ids.</param>
    /// <returns>This builder.</returns>
    public TransitionBuilder Spawns(params string[] loopIds)
    {
        _spawns.AddRange(loopIds);
        return this;
    }

    internal TransitionSpec ToSpec() => new(_id, _from, _to)
    {
        AllowedActors = _actors,
        Guards = _guards,
        SideEffects = _sideEffects,
        Description = _description,
        Approvers = _approvers,
        Roles = _roles,
        FourEyes = _fourEyes,
        AiMayExecute = _aiMayExecute,
        RequiredEvidence = _evidence,
        RecommendationTtl = _ttl,
        Spawns = _spawns,
    };
}
