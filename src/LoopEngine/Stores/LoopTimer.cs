namespace LoopEngine;

/// <summary>
/// A stored timer: something the engine must do for an aggregate at a due time (an SLA deadline, a recommendation's
/// expiry). Timers live in the store, never only in memory, so they survive restarts; a sweeper claims due timers under
/// a lease (<see cref="ITimerStore.ClaimDueAsync"/>) and completes them once fired.
/// </summary>
/// <remarks>
/// A timer is identified by (<see cref="OrgId"/>, <see cref="AggregateId"/>, <see cref="Kind"/>, <see cref="Key"/>);
/// scheduling the same identity again replaces it. Firing is idempotent on the engine's side (it re-checks the loop's
/// state and version), so a timer whose lease expired before it was completed may be fired again without effect.
/// </remarks>
public sealed record LoopTimer
{
    /// <summary>Gets the org.</summary>
    public required string OrgId { get; init; }

    /// <summary>Gets the aggregate the timer belongs to.</summary>
    public required string AggregateId { get; init; }

    /// <summary>Gets the kind (<see cref="TimerKinds.Sla"/>, <see cref="TimerKinds.RecommendationExpiry"/>, or a host's own).</summary>
    public required string Kind { get; init; }

    /// <summary>Gets the key, unique per aggregate and kind: <c>STATE@version</c> for an SLA, the recommendation id for an expiry.</summary>
    public required string Key { get; init; }

    /// <summary>Gets when the timer is due (UTC, millisecond precision).</summary>
    public required DateTimeOffset DueAt { get; init; }

    /// <summary>Gets the loop id of the aggregate.</summary>
    public required string LoopId { get; init; }

    /// <summary>Gets the instance version the timer was scheduled at (the version that entered the state, for an SLA).</summary>
    public long InstanceVersion { get; init; }

    /// <summary>Gets the state the timer watches (an SLA's state), or <see langword="null"/>.</summary>
    public string? State { get; init; }

    /// <summary>Gets the owner holding the timer's lease, or <see langword="null"/> when it is not claimed. Set by the store.</summary>
    public string? LeaseOwner { get; init; }

    /// <summary>Gets when the current lease ends, or <see langword="null"/> when it is not claimed. Set by the store.</summary>
    public DateTimeOffset? LeaseExpiresAt { get; init; }

    /// <summary>Gets how many times the timer has been claimed. Set by the store.</summary>
    public int Attempts { get; init; }
}
