namespace LoopEngine;

/// <summary>
/// One allowed move of a loop, from one state to another, by the allowed actor types, behind its guards.
/// Policy fields beyond the reference schema are kept in <c>metadata.loopengine.transitions.&lt;id&gt;</c>.
/// </summary>
public sealed record TransitionSpec
{
    /// <summary>Creates a transition.</summary>
    /// <param name="id">The transition id, in lower snake case (<c>confirm_po</c>).</param>
    /// <param name="from">The state it leaves.</param>
    /// <param name="to">The state it enters.</param>
    public TransitionSpec(string id, string from, string to)
    {
        Id = id;
        From = from;
        To = to;
    }

    /// <summary>Gets the transition id.</summary>
    public string Id { get; init; }

    /// <summary>Gets the state the transition leaves.</summary>
    public string From { get; init; }

    /// <summary>Gets the state the transition enters.</summary>
    public string To { get; init; }

    /// <summary>Gets the actor types that may take part in the transition (the reference's <c>allowedActors</c>).</summary>
    public IReadOnlyList<ActorType> AllowedActors { get; init => field = ValueList<ActorType>.From(value); } = ValueList<ActorType>.Empty;

    /// <summary>Gets the guards, in evaluation order.</summary>
    public IReadOnlyList<GuardSpec> Guards { get; init => field = ValueList<GuardSpec>.From(value); } = ValueList<GuardSpec>.Empty;

    /// <summary>Gets the announced side effects (reference format).</summary>
    public IReadOnlyList<SideEffectSpec> SideEffects { get; init => field = ValueList<SideEffectSpec>.From(value); } = ValueList<SideEffectSpec>.Empty;

    /// <summary>Gets the description, or <see langword="null"/>.</summary>
    public string? Description { get; init; }

    /// <summary>Gets the actor types that may approve a recommendation of this transition, or <see langword="null"/> for the loop policy's approvers.</summary>
    public IReadOnlyList<ActorType>? Approvers { get; init => field = value is null ? null : ValueList<ActorType>.From(value); }

    /// <summary>Gets the roles or permissions an executing or approving actor must hold, checked by the host's <c>IActorAuthorizer</c>.</summary>
    public IReadOnlyList<string> Roles { get; init => field = ValueList<string>.From(value); } = ValueList<string>.Empty;

    /// <summary>Gets a value indicating whether the approver must differ from the recommender. The default is <see langword="true"/>.</summary>
    public bool FourEyes { get; init; } = true;

    /// <summary>Gets a value indicating whether AI agents may execute this transition instead of only recommending it. The default is <see langword="false"/>.</summary>
    public bool AiMayExecute { get; init; }

    /// <summary>Gets the evidence fields that must be present for the transition to execute.</summary>
    public IReadOnlyList<string> RequiredEvidence { get; init => field = ValueList<string>.From(value); } = ValueList<string>.Empty;

    /// <summary>Gets how long a recommendation of this transition stays open, or <see langword="null"/> for the engine's default.</summary>
    public TimeSpan? RecommendationTtl { get; init; }

    /// <summary>Gets the loop ids this transition opens as child loops when it executes.</summary>
    public IReadOnlyList<string> Spawns { get; init => field = ValueList<string>.From(value); } = ValueList<string>.Empty;
}
