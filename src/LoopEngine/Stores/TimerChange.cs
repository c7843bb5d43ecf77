namespace LoopEngine;

/// <summary>
/// A change to the stored timers made atomically with a <see cref="StoreCommit"/>: schedule one timer, or cancel an
/// aggregate's timers (of one kind, or all).
/// </summary>
public sealed record TimerChange
{
    private TimerChange(string aggregateId, LoopTimer? timer, string? kind)
    {
        AggregateId = aggregateId;
        Timer = timer;
        Kind = kind;
    }

    /// <summary>Gets the aggregate the change applies to.</summary>
    public string AggregateId { get; }

    /// <summary>Gets the timer to schedule, or <see langword="null"/> for a cancellation.</summary>
    public LoopTimer? Timer { get; }

    /// <summary>Gets the kind a cancellation is limited to, or <see langword="null"/> to cancel every kind (unused when scheduling).</summary>
    public string? Kind { get; }

    /// <summary>Gets a value indicating whether this change cancels timers (otherwise it schedules <see cref="Timer"/>).</summary>
    public bool IsCancel => Timer is null;

    /// <summary>Creates a change that schedules (inserts or replaces, by identity) a timer, unclaimed.</summary>
    /// <param name="timer">The timer; its lease fields are ignored.</param>
    /// <returns>The change.</returns>
    public static TimerChange Schedule(LoopTimer timer)
    {
        ArgumentNullException.ThrowIfNull(timer);
        return new TimerChange(timer.AggregateId, timer, null);
    }

    /// <summary>Creates a change that deletes an aggregate's timers, claimed or not.</summary>
    /// <param name="aggregateId">The aggregate.</param>
    /// <param name="kind">The kind to cancel, or <see langword="null"/> for every kind.</param>
    /// <returns>The change.</returns>
    public static TimerChange Cancel(string aggregateId, string? kind = null)
    {
        ArgumentNullException.ThrowIfNull(aggregateId);
        return new TimerChange(aggregateId, null, kind);
    }
}
