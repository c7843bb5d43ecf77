namespace LoopEngine;

/// <summary>
/// Where the engine's timers (SLA deadlines, recommendation expiries) are stored, so that they survive restarts and
/// several sweepers can share them. A due timer is handed to one sweeper at a time under a lease: while the lease holds,
/// no other claim returns it; a sweeper that completes the timer deletes it; a sweeper that dies lets the lease lapse
/// and the timer is claimed again.
/// </summary>
/// <remarks>
/// Every timer store passes the shared conformance suite (<c>TimerStoreConformanceTests</c>). A store that also
/// implements <see cref="ILoopStore"/> applies <see cref="StoreCommit.Timers"/> in the same atomic commit. Times are
/// passed in by the caller (the engine's <see cref="TimeProvider"/>), never read from the store's own clock.
/// </remarks>
public interface ITimerStore
{
    /// <summary>Schedules a timer: inserts it, or replaces the timer with the same (org, aggregate, kind, key), unclaimed.</summary>
    /// <param name="timer">The timer.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the timer is durable.</returns>
    ValueTask ScheduleAsync(LoopTimer timer, CancellationToken cancellationToken = default);

    /// <summary>
    /// Claims up to <paramref name="maxCount"/> timers, across all orgs, that are due (<see cref="LoopTimer.DueAt"/> at or
    /// before <paramref name="now"/>) and not leased (never claimed, or their lease ended at or before
    /// <paramref name="now"/>), earliest due first: sets each one's lease to <paramref name="owner"/> until
    /// <paramref name="now"/> + <paramref name="leaseDuration"/> and increments its attempts, atomically, so that two
    /// concurrent claims never return the same timer.
    /// </summary>
    /// <param name="now">The current time.</param>
    /// <param name="maxCount">The most timers to claim (at least 1).</param>
    /// <param name="owner">The claiming sweeper's id.</param>
    /// <param name="leaseDuration">How long the claim holds (positive).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The claimed timers, with their new lease.</returns>
    ValueTask<IReadOnlyList<LoopTimer>> ClaimDueAsync(DateTimeOffset now, int maxCount, string owner, TimeSpan leaseDuration, CancellationToken cancellationToken = default);

    /// <summary>Completes a claimed timer: deletes it, if <paramref name="owner"/> still holds its lease (not taken over, replaced or cancelled).</summary>
    /// <param name="timer">The timer as claimed (its identity is used).</param>
    /// <param name="owner">The sweeper that claimed it.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><see langword="true"/> when the timer was deleted; <see langword="false"/> when the owner no longer held it.</returns>
    ValueTask<bool> CompleteAsync(LoopTimer timer, string owner, CancellationToken cancellationToken = default);

    /// <summary>Deletes an aggregate's timers, claimed or not.</summary>
    /// <param name="orgId">The org.</param>
    /// <param name="aggregateId">The aggregate.</param>
    /// <param name="kind">The kind to cancel, or <see langword="null"/> for every kind.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>How many timers were deleted.</returns>
    ValueTask<int> CancelAsync(string orgId, string aggregateId, string? kind = null, CancellationToken cancellationToken = default);

    /// <summary>Lists an aggregate's timers, earliest due first (for hosts, tools and tests).</summary>
    /// <param name="orgId">The org.</param>
    /// <param name="aggregateId">The aggregate.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The timers.</returns>
    ValueTask<IReadOnlyList<LoopTimer>> ListAsync(string orgId, string aggregateId, CancellationToken cancellationToken = default);
}
