namespace LoopEngine;

/// <summary>What a guard sees: the instance, the definition and transition, the acting actor, the evidence and the time.</summary>
public readonly struct GuardArguments
{
    internal GuardArguments(GuardSpec guard, LoopDefinition definition, TransitionSpec transition, LoopInstance instance, Actor actor, Evidence evidence, DateTimeOffset now, CancellationToken cancellationToken)
    {
        Guard = guard;
        Definition = definition;
        Transition = transition;
        Instance = instance;
        Actor = actor;
        Evidence = evidence;
        Now = now;
        CancellationToken = cancellationToken;
    }

    /// <summary>Gets the guard being evaluated.</summary>
    public GuardSpec Guard { get; }

    /// <summary>Gets the loop definition.</summary>
    public LoopDefinition Definition { get; }

    /// <summary>Gets the transition requested.</summary>
    public TransitionSpec Transition { get; }

    /// <summary>Gets the instance before the transition.</summary>
    public LoopInstance Instance { get; }

    /// <summary>Gets the actor who would execute the transition (for an approval, the approver).</summary>
    public Actor Actor { get; }

    /// <summary>
    /// Gets the evidence of the executing actor. Evidence from an actor that may only recommend is never passed to a guard:
    /// on approval, guards see the approver's evidence.
    /// </summary>
    public Evidence Evidence { get; }

    /// <summary>Gets the current time from the engine's <see cref="TimeProvider"/>.</summary>
    public DateTimeOffset Now { get; }

    /// <summary>Gets a value indicating whether the request is an approval of a recommendation.</summary>
    public bool IsApproval { get; init; }

    /// <summary>Gets the cancellation token of the request.</summary>
    public CancellationToken CancellationToken { get; }
}
