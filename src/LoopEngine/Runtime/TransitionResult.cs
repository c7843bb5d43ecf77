namespace LoopEngine;

/// <summary>
/// The result of a transition request: executed (with its record), pending approval (with the recommendation),
/// blocked (with a typed reason and each failed guard), or a version conflict. Expected failures are results, not exceptions.
/// </summary>
public sealed record TransitionResult
{
    private readonly DeferredMessage? _deferred;
    private string? _message;

    /// <summary>Gets what happened.</summary>
    public required TransitionOutcome Outcome { get; init; }

    /// <summary>Gets the instance after the request (unchanged unless executed).</summary>
    public required LoopInstance Instance { get; init; }

    /// <summary>Gets the appended record when executed; otherwise <see langword="null"/>.</summary>
    public TransitionRecord? Record { get; init; }

    /// <summary>Gets the stored recommendation when pending; otherwise <see langword="null"/>.</summary>
    public Recommendation? Recommendation { get; init; }

    /// <summary>Gets why the request was blocked, or <see cref="BlockReason.None"/>.</summary>
    public BlockReason BlockReason { get; init; }

    /// <summary>Gets a message describing a block or conflict, naming the value and the valid alternatives.</summary>
    public string? Message
    {
        get => _message ??= _deferred?.Build();
        init => _message = value;
    }

    /// <summary>Sets a message built only when <see cref="Message"/> is first read (a rejected request's caller often never reads it).</summary>
    internal DeferredMessage? DeferredMessage
    {
        init => _deferred = value;
    }

    /// <summary>Gets the guards that failed (hard ones when blocked; soft ones as warnings when executed).</summary>
    public IReadOnlyList<GuardFailure> GuardFailures { get; init; } = [];

    /// <summary>Gets a value indicating whether this result was returned from an earlier request with the same idempotency key.</summary>
    public bool IsReplay { get; init; }

    /// <summary>Gets a value indicating whether the transition executed.</summary>
    public bool IsExecuted => Outcome == TransitionOutcome.Executed;

    /// <summary>Gets a value indicating whether the transition awaits approval.</summary>
    public bool IsPending => Outcome == TransitionOutcome.PendingApproval;

    /// <summary>Gets a value indicating whether the transition was blocked.</summary>
    public bool IsBlocked => Outcome == TransitionOutcome.Blocked;

    /// <inheritdoc/>
    public bool Equals(TransitionResult? other) =>
        other is not null
        && (ReferenceEquals(this, other)
            || (Outcome == other.Outcome
                && EqualityComparer<LoopInstance>.Default.Equals(Instance, other.Instance)
                && EqualityComparer<TransitionRecord?>.Default.Equals(Record, other.Record)
                && EqualityComparer<Recommendation?>.Default.Equals(Recommendation, other.Recommendation)
                && BlockReason == other.BlockReason
                && string.Equals(Message, other.Message, StringComparison.Ordinal)
                && EqualityComparer<IReadOnlyList<GuardFailure>>.Default.Equals(GuardFailures, other.GuardFailures)
                && IsReplay == other.IsReplay));

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Outcome, Instance, Record, Recommendation, BlockReason, GuardFailures, IsReplay);
}

/// <summary>A message whose text is built only when it is read.</summary>
internal abstract class DeferredMessage
{
    public abstract string Build();
}

/// <summary>The <c>unauthorized_actor</c> message for an actor type the transition neither allows nor lets recommend.</summary>
internal sealed class UnauthorizedActorMessage(Actor actor, string transitionId, string detail) : DeferredMessage
{
    public override string Build() =>
        string.Concat(["Actor '", actor.Id, "' (", actor.Type.ToWireName(), ") may not take transition '", transitionId, "': ", detail]);
}
