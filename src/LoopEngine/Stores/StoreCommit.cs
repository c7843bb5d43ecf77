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

    /// <summary>
    /// Refuses a malformed commit before a store writes anything: a missing org, a null list or entry, an instance or record
    /// without an aggregate id, a negative expected version or a record sequence below 1.
    /// </summary>
    /// <exception cref="ArgumentException">The commit is malformed; the message names the field.</exception>
    internal void Validate()
    {
        if (string.IsNullOrEmpty(OrgId))
        {
            throw new ArgumentException($"The commit's {nameof(OrgId)} is {(OrgId is null ? "null" : "empty")}: every write belongs to an org.", "commit");
        }

        CheckList(Instances, nameof(Instances));
        CheckList(Records, nameof(Records));
        CheckList(Events, nameof(Events));
        CheckList(Recommendations, nameof(Recommendations));
        CheckList(Timers, nameof(Timers));
        for (var i = 0; i < Instances.Count; i++)
        {
            var write = Instances[i];
            if (write.Instance is null || string.IsNullOrEmpty(write.Instance.AggregateId))
            {
                throw new ArgumentException($"The commit's {nameof(Instances)}[{i}] has {(write.Instance is null ? "no instance" : "no aggregate id")}.", "commit");
            }

            if (write.ExpectedVersion < 0)
            {
                throw new ArgumentException($"The commit's {nameof(Instances)}[{i}] expects version {write.ExpectedVersion}: 0 (a new instance) or the version read.", "commit");
            }
        }

        for (var i = 0; i < Records.Count; i++)
        {
            if (string.IsNullOrEmpty(Records[i].AggregateId) || Records[i].Sequence < 1)
            {
                throw new ArgumentException($"The commit's {nameof(Records)}[{i}] has {(string.IsNullOrEmpty(Records[i].AggregateId) ? "no aggregate id" : $"sequence {Records[i].Sequence}; sequences start at 1")}.", "commit");
            }
        }

        static void CheckList<T>(IReadOnlyList<T>? list, string name)
            where T : class
        {
            if (list is null)
            {
                throw new ArgumentException($"The commit's {name} is null: give an empty list.", "commit");
            }

            for (var i = 0; i < list.Count; i++)
            {
                if (list[i] is null)
                {
                    throw new ArgumentException($"The commit's {name}[{i}] is null.", "commit");
                }
            }
        }
    }
}
