namespace LoopEngine;

/// <summary>What an <see cref="IActorAuthorizer"/> decides on.</summary>
public readonly struct AuthorizationArguments
{
    internal AuthorizationArguments(Actor actor, string orgId, LoopDefinition definition, TransitionSpec transition, bool isApproval, CancellationToken cancellationToken)
    {
        Actor = actor;
        OrgId = orgId;
        Definition = definition;
        Transition = transition;
        IsApproval = isApproval;
        CancellationToken = cancellationToken;
    }

    /// <summary>Gets the actor.</summary>
    public Actor Actor { get; }

    /// <summary>Gets the org.</summary>
    public string OrgId { get; }

    /// <summary>Gets the loop definition.</summary>
    public LoopDefinition Definition { get; }

    /// <summary>Gets the transition.</summary>
    public TransitionSpec Transition { get; }

    /// <summary>Gets the roles required (<see cref="TransitionSpec.Roles"/>).</summary>
    public IReadOnlyList<string> Roles => Transition.Roles;

    /// <summary>Gets a value indicating whether the actor is approving a recommendation.</summary>
    public bool IsApproval { get; }

    /// <summary>Gets the cancellation token.</summary>
    public CancellationToken CancellationToken { get; }
}
