namespace LoopEngine;

/// <summary>Everything one engine operation writes, applied atomically by <see cref="ILoopStore.CommitAsync"/>.</summary>
public sealed record StoreCommit
{
    /// <summary>Gets the org every write belongs to.</summary>
    public required string OrgId { get; init; }

    /// <summary>Gets the instances to write, each checked against its expected version.</summary>
    public IReadOnlyList<InstanceWrite> Instances { get; init; } = [];

    /// <summary>Gets the trace records to append; (org, aggregate, sequence) is unique.</summary>
    public IReadOnlyList<TransitionRecord> Records { get; init; } = [];

    /// <summary>Gets the events to append, in order; their positions are assigned by the store.</summary>
    public IReadOnlyList<LoopEvent> Events { get; init; } = [];

    /// <summary>Gets the recommendations to insert or replace (by org and id).</summary>
    public IReadOnlyList<Recommendation> Recommendations { get; init; } = [];

    /// <summary>Gets the idempotency entry to insert, or <see langword="null"/>; an existing entry with the same key fails the commit.</summary>
    public IdempotencyEntry? Idempotency { get; init; }

    /// <summary>
    /// Gets the timer changes to apply with the commit, in list order, all in the commit's org; empty by default.
    /// </summary>
    /// <value>
    /// Each entry either schedules a timer (<see cref="TimerChange.Schedule"/>: insert, or replace the timer with the same
    /// org, aggregate, kind and key, clearing any lease) or cancels timers (<see cref="TimerChange.Cancel"/>: delete the
    /// aggregate's timers of that kind, or of every kind when the kind is <see langword="null"/>, claimed or not; cancelling
    /// nothing is not an error). Timer changes never fail a commit: they are applied if and only if the commit's checks pass,
    /// inside the same transaction as the instance, record and event writes, and never when the commit reports a conflict.
    /// The engine always lists cancellations before the schedules of the same commit (leaving a state cancels its SLA timer,
    /// entering one schedules the next). A store that does not implement <see cref="ITimerStore"/> must refuse a commit with
    /// timer changes (throw <see cref="NotSupportedException"/>) rather than drop them.
    /// </value>
    public IReadOnlyList<TimerChange> Timers { get; init; } = [];
}
