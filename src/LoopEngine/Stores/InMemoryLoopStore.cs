using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace LoopEngine;

/// <summary>
/// A store in process memory: for tests, simulations and hosts that keep no history across restarts. Thread-safe;
/// commits are atomic and serialized; readers get copies, never the store's own collections.
/// </summary>
/// <remarks>
/// What a commit writes is kept compact where the engine wrote it from values the store holds anyway, and written again,
/// equal to what was committed, when read. An open loop's start: the <c>$start</c> record as the few fields its instance
/// does not already hold, its <c>loop.started</c> event as the 128 bits of its id (a change to the fields they share with
/// the instance first turns them back into the committed objects). An executed request's <c>transition_requested</c> and
/// <c>transition_executed</c> events: their ids, beside the trace record they repeat. A rejected request's
/// <c>transition_requested</c> and <c>transition_blocked</c> events: one row of the request's values and their ids.
/// Fewer, smaller objects kept alive make garbage collection cheaper for every commit that follows.
/// </remarks>
public sealed class InMemoryLoopStore : ILoopStore, ITimerStore
{
    // Check's "no conflict" answer; Apply returns the real result with the event positions.
    private static readonly CommitResult NotYetCommitted = CommitResult.Committed([]);

    private readonly Lock _gate = new();
    private readonly Dictionary<(string Org, string Aggregate), Entry> _instances = [];
    private readonly EventLog _events = new();
    private readonly Dictionary<(string Org, string Id), Recommendation> _recommendations = [];
    private readonly Dictionary<(string Org, string Aggregate, string Key), IdempotencyEntry> _idempotency = [];

    // The last entry found, with its key (see TryGetEntry).
    private (string? Org, string? Aggregate, Entry? Entry) _lastFound;

    // The shape of the last start held compactly: the next start with the same actor, evidence, causation and state shares it.
    private StartShape? _lastStart;
    private readonly Dictionary<string, long> _checkpoints = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Org, string Name), long> _sequences = [];
    private readonly Dictionary<(string Org, string Aggregate, string Kind, string Key), LoopTimer> _timers = [];

    // The keys of each aggregate's timers, so cancelling an aggregate's timers (every transition does) never scans them all.
    private readonly Dictionary<(string Org, string Aggregate), List<(string Kind, string Key)>> _timersByAggregate = [];
    private TaskCompletionSource? _newEvents;

    /// <summary>Gets the number of instances held (all orgs).</summary>
    public int InstanceCount
    {
        get
        {
            lock (_gate)
            {
                return _instances.Count;
            }
        }
    }

    /// <inheritdoc/>
    public ValueTask<LoopInstance?> GetInstanceAsync(string orgId, string aggregateId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(TryGetEntry(orgId, aggregateId, out var entry) ? entry.Instance : null);
        }
    }

    /// <inheritdoc/>
    public ValueTask<CommitResult> CommitAsync(StoreCommit commit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(commit);
        commit.Validate();
        cancellationToken.ThrowIfCancellationRequested();
        TaskCompletionSource? signal = null;
        CommitResult result;
        lock (_gate)
        {
            result = Check(commit);
            if (result.IsCommitted)
            {
                result = Apply(commit);
                if (commit.Events.Count > 0 && _newEvents is not null)
                {
                    // Only readers that wait pay for a signal.
                    signal = _newEvents;
                    _newEvents = null;
                }
            }
        }

        signal?.TrySetResult();
        return ValueTask.FromResult(result);
    }

    private CommitResult Check(StoreCommit commit)
    {
        var instances = commit.Instances;
        for (var w = 0; w < instances.Count; w++)
        {
            var write = instances[w];
            var exists = TryGetEntry(commit.OrgId, write.Instance.AggregateId, out var entry);
            var actual = exists ? entry!.Instance.Version : 0;
            if (write.ExpectedVersion == 0 && exists)
            {
                return CommitResult.Exists(write.Instance.AggregateId, actual);
            }

            if (actual != write.ExpectedVersion
                || (write.ExpectedPendingRecommendationCount is { } pending && exists && entry!.Instance.PendingRecommendationCount != pending))
            {
                return CommitResult.Conflict(write.Instance.AggregateId, actual);
            }
        }

        var records = commit.Records;
        for (var r = 0; r < records.Count; r++)
        {
            // A record must extend its trace (the stored version is its last sequence), also when the commit writes its
            // instance; a store never overwrites one.
            var record = records[r];
            var version = TryGetEntry(commit.OrgId, record.AggregateId, out var entry) ? entry.Instance.Version : 0;
            if (record.Sequence <= version)
            {
                return CommitResult.Conflict(record.AggregateId, version);
            }
        }

        if (commit.Idempotency is { } idem && _idempotency.ContainsKey((commit.OrgId, idem.AggregateId, idem.Key)))
        {
            return CommitResult.KeyExists(idem.AggregateId);
        }

        return NotYetCommitted;
    }

    /// <summary>
    /// Finds an aggregate's entry; the last one found is remembered, so the several lookups of one commit (its instance,
    /// record and events are one aggregate's) and the read before it hash the key once. Entries are never removed.
    /// Called under the lock.
    /// </summary>
    private bool TryGetEntry(string orgId, string aggregateId, [NotNullWhen(true)] out Entry? entry)
    {
        var (lastOrg, lastAggregate, last) = _lastFound;
        if (last is not null
            && (ReferenceEquals(aggregateId, lastAggregate) || string.Equals(aggregateId, lastAggregate, StringComparison.Ordinal))
            && (ReferenceEquals(orgId, lastOrg) || string.Equals(orgId, lastOrg, StringComparison.Ordinal)))
        {
            entry = last;
            return true;
        }

        if (_instances.TryGetValue((orgId, aggregateId), out entry))
        {
            _lastFound = (orgId, aggregateId, entry);
            return true;
        }

        return false;
    }

    private Entry GetEntry(string orgId, string aggregateId) =>
        TryGetEntry(orgId, aggregateId, out var entry) ? entry : throw new KeyNotFoundException($"No instance '{aggregateId}' in org '{orgId}'.");

    private CommitResult Apply(StoreCommit commit)
    {
        var instances = commit.Instances;
        for (var w = 0; w < instances.Count; w++)
        {
            var write = instances[w];
            var instance = write.Instance.PendingRecommendations.Count == 0 ? write.Instance : write.Instance with { PendingRecommendations = [] };
            if (TryGetEntry(commit.OrgId, write.Instance.AggregateId, out var entry))
            {
                entry.Replace(instance, _events);
            }
            else
            {
                _instances[(commit.OrgId, write.Instance.AggregateId)] = new Entry(instance);
            }
        }

        var records = commit.Records;
        for (var r = 0; r < records.Count; r++)
        {
            GetEntry(commit.OrgId, records[r].AggregateId).AddRecord(records[r], ref _lastStart);
        }

        var recommendations = commit.Recommendations;
        for (var r = 0; r < recommendations.Count; r++)
        {
            _recommendations[(commit.OrgId, recommendations[r].Id)] = recommendations[r];
        }

        if (commit.Idempotency is { } idem)
        {
            _idempotency[(commit.OrgId, idem.AggregateId, idem.Key)] = idem;
        }

        var timers = commit.Timers;
        for (var t = 0; t < timers.Count; t++)
        {
            ApplyTimer(commit.OrgId, timers[t]);
        }

        // Events are kept as committed (or compact, see the class remarks); a read stamps each copy it returns with its
        // position (its index + 1).
        var events = commit.Events;
        var positions = events.Count == 0 ? [] : new long[events.Count];
        TransitionRecord? anchored = null;
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            positions[i] = _events.Count + 1L;
            if (i + 1 < events.Count && TryHoldPair(commit, e, events[i + 1], ref anchored) is { } anchor)
            {
                positions[i + 1] = _events.Count + 2L;
                _events.Add(anchor, e.IdBits);
                _events.Add(anchor, events[i + 1].IdBits);
                i++;
                continue;
            }

            // A start's started event is held by its entry when the entry can write it again exactly.
            if (records.Count > 0 && string.Equals(e.Type, LoopEventTypes.Started, StringComparison.Ordinal)
                && TryGetEntry(commit.OrgId, e.AggregateId, out var owner) && owner.TryHoldStarted(e, _events.Count))
            {
                _events.Add(owner, e.IdBits);
            }
            else
            {
                _events.Add(e, default);
            }
        }

        return CommitResult.Committed(positions);
    }

    /// <summary>
    /// Returns what holds a request's two events when the engine wrote them from values the store can keep instead: the
    /// trace record for requested + executed (which repeat it), a <see cref="RejectedRow"/> for requested + blocked.
    /// </summary>
    private object? TryHoldPair(StoreCommit commit, LoopEvent requested, LoopEvent second, ref TransitionRecord? anchored)
    {
        if (string.Equals(second.Type, LoopEventTypes.Executed, StringComparison.Ordinal))
        {
            // Held by the record only when its duration follows from the record before it (held here too).
            var r = FindRecord(commit, requested.AggregateId);
            if (r is null || ReferenceEquals(r, anchored) || r.Sequence < 2
                || !TryGetEntry(commit.OrgId, r.AggregateId, out var entry)
                || entry.RecordCount < r.Sequence || !ReferenceEquals(entry.GetRecord((int)r.Sequence - 1), r)
                || !ExecutedEventPair.TryMatch(requested, second, r, out var duration)
                || duration != entry.DurationBefore(r))
            {
                return null;
            }

            anchored = r;
            return r;
        }

        if (!IsPristine(requested, LoopEventTypes.TransitionRequested, LoopRuntime.RequestedFields, out var asked))
        {
            return null;
        }

        var request = asked.State;
        if (IsPristine(second, LoopEventTypes.Blocked, LoopRuntime.BlockedFields, out var blocked)
            && string.Equals(requested.OrgId, second.OrgId, StringComparison.Ordinal)
            && string.Equals(requested.LoopId, second.LoopId, StringComparison.Ordinal)
            && string.Equals(requested.AggregateId, second.AggregateId, StringComparison.Ordinal)
            && string.Equals(requested.CorrelationId, second.CorrelationId, StringComparison.Ordinal)
            && requested.OccurredAt.EqualsExact(second.OccurredAt)
            && string.Equals(asked.CausationId, blocked.CausationId, StringComparison.Ordinal)
            && string.Equals(request.Transition, blocked.State.Transition, StringComparison.Ordinal)
            && ReferenceEquals(request.Actor, blocked.State.Actor)
            && TraceCanonicalizer.Truncate(request.Now) == requested.OccurredAt
            && blocked.State.Failures is not null)
        {
            return new RejectedRow(requested, asked.CausationId, request.Transition, request.Actor, request.Evidence, blocked.State.Reason, blocked.State.Failures);
        }

        return null;
    }

    private static TransitionRecord? FindRecord(StoreCommit commit, string aggregateId)
    {
        var records = commit.Records;
        for (var r = 0; r < records.Count; r++)
        {
            if (string.Equals(records[r].AggregateId, aggregateId, StringComparison.Ordinal) && string.Equals(records[r].OrgId, commit.OrgId, StringComparison.Ordinal))
            {
                return records[r];
            }
        }

        return null;
    }

    private static bool IsPristine<TState>(LoopEvent e, string type, Action<Utf8JsonWriter, TState> writer, [NotNullWhen(true)] out EventBody<TState>? body) =>
        ExecutedEventPair.IsPristine(e, type, writer, out body);

    /// <summary>Writes a held event again, as committed, stamped with its position.</summary>
    private LoopEvent Materialize(int index)
    {
        var position = index + 1L;
        var held = _events[index];
        switch (held)
        {
            case LoopEvent stored:
                return stored.Position == position ? stored : stored with { Position = position };
            case Entry owner:
                return owner.Started(_events.IdBits(index), position);
            case TransitionRecord r:
                var id = _events.IdBits(index);
                return index > 0 && ReferenceEquals(_events[index - 1], r)
                    ? ExecutedEventPair.Executed(r, id, _instances[(r.OrgId, r.AggregateId)].DurationBefore(r), position)
                    : ExecutedEventPair.Requested(r, id, position);
            default:
                var row = (RejectedRow)held;
                return row.Materialize(_events.IdBits(index), index > 0 && ReferenceEquals(_events[index - 1], row), position);
        }
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<TransitionRecord>> ReadTraceAsync(string orgId, string aggregateId, long fromSequence = 1, int maxCount = int.MaxValue, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxCount);
        lock (_gate)
        {
            if (!_instances.TryGetValue((orgId, aggregateId), out var entry))
            {
                return ValueTask.FromResult<IReadOnlyList<TransitionRecord>>([]);
            }

            var start = (int)Math.Clamp(fromSequence - 1, 0, entry.RecordCount);
            var count = Math.Min(maxCount, entry.RecordCount - start);
            var page = new TransitionRecord[count];
            for (var i = 0; i < count; i++)
            {
                page[i] = entry.GetRecord(start + i);
            }

            return ValueTask.FromResult<IReadOnlyList<TransitionRecord>>(page);
        }
    }

    /// <inheritdoc/>
    public ValueTask<Page<LoopInstance>> QueryInstancesAsync(InstanceQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        PageTokens.ValidatePageSize(query.PageSize);
        var after = query.ContinuationToken is null ? ((DateTimeOffset, string)?)null : PageTokens.Decode(query.ContinuationToken);
        List<LoopInstance> matches;
        lock (_gate)
        {
            matches = _instances.Values.Select(e => e.Instance).Where(i => i.OrgId == query.OrgId && Matches(i, query)).ToList();
        }

        var ordered = matches
            .Where(i => after is null || PageTokens.IsAfter(i.OpenedAt, i.AggregateId, after.Value))
            .OrderBy(i => i.OpenedAt.UtcTicks).ThenBy(i => i.AggregateId, StringComparer.Ordinal)
            .Take(query.PageSize + 1)
            .ToList();
        return ValueTask.FromResult(PageTokens.ToPage(ordered, query.PageSize, i => PageTokens.Encode(i.OpenedAt, i.AggregateId)));
    }

    internal static bool Matches(LoopInstance i, InstanceQuery q) =>
        (q.LoopId is null || i.LoopId == q.LoopId)
        && (q.DefinitionVersion is null || i.DefinitionVersion == q.DefinitionVersion)
        && (q.Statuses is null || q.Statuses.Contains(i.Status))
        && (q.State is null || i.CurrentState == q.State)
        && (q.CorrelationId is null || i.CorrelationId == q.CorrelationId)
        && (q.ParentAggregateId is null || i.ParentAggregateId == q.ParentAggregateId)
        && (q.OpenedFrom is null || i.OpenedAt >= q.OpenedFrom)
        && (q.OpenedTo is null || i.OpenedAt < q.OpenedTo)
        && (q.ClosedFrom is null || (i.ClosedAt is { } c1 && c1 >= q.ClosedFrom))
        && (q.ClosedTo is null || (i.ClosedAt is { } c2 && c2 < q.ClosedTo));

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<LoopEvent>> ReadEventsAsync(long afterPosition, int maxCount, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(afterPosition);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxCount);
        lock (_gate)
        {
            var start = (int)Math.Min(afterPosition, _events.Count);
            var count = Math.Min(maxCount, _events.Count - start);
            var page = new LoopEvent[count];
            for (var i = 0; i < count; i++)
            {
                page[i] = Materialize(start + i);
            }

            return ValueTask.FromResult<IReadOnlyList<LoopEvent>>(page);
        }
    }

    /// <inheritdoc/>
    public async ValueTask WaitForEventsAsync(long afterPosition, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        Task waiter;
        lock (_gate)
        {
            if (_events.Count > afterPosition)
            {
                return;
            }

            waiter = (_newEvents ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }

        try
        {
            await waiter.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The caller polls again.
        }
    }

    /// <inheritdoc/>
    public ValueTask<long?> GetCheckpointAsync(string subscriberName, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_checkpoints.TryGetValue(subscriberName, out var position) ? position : (long?)null);
        }
    }

    /// <inheritdoc/>
    public ValueTask SetCheckpointAsync(string subscriberName, long position, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        lock (_gate)
        {
            _checkpoints[subscriberName] = position;
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask<IdempotencyEntry?> GetIdempotencyEntryAsync(string orgId, string aggregateId, string key, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(
                _idempotency.TryGetValue((orgId, aggregateId, key), out var idem) ? idem : null);
        }
    }

    /// <inheritdoc/>
    public ValueTask<Recommendation?> GetRecommendationAsync(string orgId, string recommendationId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_recommendations.TryGetValue((orgId, recommendationId), out var recommendation) ? recommendation : null);
        }
    }

    /// <inheritdoc/>
    public ValueTask<Page<Recommendation>> QueryRecommendationsAsync(RecommendationQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        PageTokens.ValidatePageSize(query.PageSize);
        var after = query.ContinuationToken is null ? ((DateTimeOffset, string)?)null : PageTokens.Decode(query.ContinuationToken);
        List<Recommendation> matches;
        lock (_gate)
        {
            matches = _recommendations.Values.Where(r => r.OrgId == query.OrgId && Matches(r, query)).ToList();
        }

        var ordered = matches
            .Where(r => after is null || PageTokens.IsAfter(r.CreatedAt, r.Id, after.Value))
            .OrderBy(r => r.CreatedAt.UtcTicks).ThenBy(r => r.Id, StringComparer.Ordinal)
            .Take(query.PageSize + 1)
            .ToList();
        return ValueTask.FromResult(PageTokens.ToPage(ordered, query.PageSize, r => PageTokens.Encode(r.CreatedAt, r.Id)));
    }

    internal static bool Matches(Recommendation r, RecommendationQuery q) =>
        (q.LoopId is null || r.LoopId == q.LoopId)
        && (q.AggregateId is null || r.AggregateId == q.AggregateId)
        && (q.TransitionId is null || r.TransitionId == q.TransitionId)
        && (q.RecommenderId is null || r.Recommender.Id == q.RecommenderId)
        && (q.Statuses is null || q.Statuses.Contains(r.Status))
        && (q.CreatedBefore is null || r.CreatedAt < q.CreatedBefore);

    /// <inheritdoc/>
    public ValueTask<long> NextSequenceValueAsync(string orgId, string sequenceName, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var next = _sequences.TryGetValue((orgId, sequenceName), out var value) ? value : 1;
            _sequences[(orgId, sequenceName)] = next + 1;
            return ValueTask.FromResult(next);
        }
    }

    /// <inheritdoc/>
    public ValueTask SeedSequenceAsync(string orgId, string sequenceName, long nextValue, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(nextValue);
        lock (_gate)
        {
            var current = _sequences.TryGetValue((orgId, sequenceName), out var value) ? value : 1;
            _sequences[(orgId, sequenceName)] = Math.Max(current, nextValue);
        }

        return ValueTask.CompletedTask;
    }

    private int ApplyTimer(string orgId, TimerChange change)
    {
        if (change.Timer is { } timer)
        {
            var key = (orgId, timer.AggregateId, timer.Kind, timer.Key);
            if (!_timers.ContainsKey(key))
            {
                if (!_timersByAggregate.TryGetValue((orgId, timer.AggregateId), out var keys))
                {
                    _timersByAggregate[(orgId, timer.AggregateId)] = keys = new List<(string, string)>(2);
                }

                keys.Add((timer.Kind, timer.Key));
            }

            _timers[key] = timer with { OrgId = orgId, LeaseOwner = null, LeaseExpiresAt = null, Attempts = 0 };
            return 1;
        }

        if (!_timersByAggregate.TryGetValue((orgId, change.AggregateId), out var aggregateKeys))
        {
            return 0;
        }

        var removed = 0;
        for (var i = aggregateKeys.Count - 1; i >= 0; i--)
        {
            var (kind, timerKey) = aggregateKeys[i];
            if (change.Kind is null || string.Equals(kind, change.Kind, StringComparison.Ordinal))
            {
                _timers.Remove((orgId, change.AggregateId, kind, timerKey));
                aggregateKeys.RemoveAt(i);
                removed++;
            }
        }

        if (aggregateKeys.Count == 0)
        {
            _timersByAggregate.Remove((orgId, change.AggregateId));
        }

        return removed;
    }

    private void RemoveTimer((string Org, string Aggregate, string Kind, string Key) key)
    {
        if (_timers.Remove(key) && _timersByAggregate.TryGetValue((key.Org, key.Aggregate), out var keys))
        {
            keys.Remove((key.Kind, key.Key));
            if (keys.Count == 0)
            {
                _timersByAggregate.Remove((key.Org, key.Aggregate));
            }
        }
    }

    /// <inheritdoc/>
    public ValueTask ScheduleAsync(LoopTimer timer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(timer);
        lock (_gate)
        {
            ApplyTimer(timer.OrgId, TimerChange.Schedule(timer));
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<LoopTimer>> ClaimDueAsync(DateTimeOffset now, int maxCount, string owner, TimeSpan leaseDuration, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxCount);
        ArgumentException.ThrowIfNullOrEmpty(owner);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(leaseDuration, TimeSpan.Zero);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var due = _timers
                .Where(p => p.Value.DueAt <= now && (p.Value.LeaseExpiresAt is null || p.Value.LeaseExpiresAt <= now))
                .OrderBy(p => p.Value.DueAt.UtcTicks).ThenBy(p => p.Key.Org, StringComparer.Ordinal).ThenBy(p => p.Key.Aggregate, StringComparer.Ordinal)
                .ThenBy(p => p.Key.Kind, StringComparer.Ordinal).ThenBy(p => p.Key.Key, StringComparer.Ordinal)
                .Take(maxCount)
                .ToList();
            var claimed = new LoopTimer[due.Count];
            for (var i = 0; i < due.Count; i++)
            {
                claimed[i] = due[i].Value with { LeaseOwner = owner, LeaseExpiresAt = now + leaseDuration, Attempts = due[i].Value.Attempts + 1 };
                _timers[due[i].Key] = claimed[i];
            }

            return ValueTask.FromResult<IReadOnlyList<LoopTimer>>(claimed);
        }
    }

    /// <inheritdoc/>
    public ValueTask<bool> CompleteAsync(LoopTimer timer, string owner, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(timer);
        ArgumentException.ThrowIfNullOrEmpty(owner);
        lock (_gate)
        {
            var key = (timer.OrgId, timer.AggregateId, timer.Kind, timer.Key);
            if (_timers.TryGetValue(key, out var stored) && stored.LeaseOwner == owner)
            {
                RemoveTimer(key);
                return ValueTask.FromResult(true);
            }

            return ValueTask.FromResult(false);
        }
    }

    /// <inheritdoc/>
    public ValueTask<int> CancelAsync(string orgId, string aggregateId, string? kind = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(orgId);
        lock (_gate)
        {
            return ValueTask.FromResult(ApplyTimer(orgId, TimerChange.Cancel(aggregateId, kind)));
        }
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<LoopTimer>> ListAsync(string orgId, string aggregateId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult<IReadOnlyList<LoopTimer>>(_timers
                .Where(p => p.Key.Org == orgId && p.Key.Aggregate == aggregateId)
                .Select(p => p.Value)
                .OrderBy(t => t.DueAt.UtcTicks).ThenBy(t => t.Kind, StringComparer.Ordinal).ThenBy(t => t.Key, StringComparer.Ordinal)
                .ToArray());
        }
    }

    /// <summary>Gets the event held at a position (1-based) as a reader sees it; for tests.</summary>
    internal object HeldEvent(long position)
    {
        lock (_gate)
        {
            return _events[(int)position - 1];
        }
    }

    /// <summary>Gets a value indicating whether an instance's start record is held compact; for tests.</summary>
    internal bool HoldsCompactStart(string orgId, string aggregateId)
    {
        lock (_gate)
        {
            return _instances.TryGetValue((orgId, aggregateId), out var entry) && entry.HasCompactStart;
        }
    }

    /// <summary>Gets the shared fields a compact start record is held with, or <see langword="null"/>; for tests.</summary>
    internal object? StartShapeOf(string orgId, string aggregateId)
    {
        lock (_gate)
        {
            return _instances.TryGetValue((orgId, aggregateId), out var entry) ? entry.Shape : null;
        }
    }

    /// <summary>
    /// The event stream in fixed-size chunks (no copy as it grows). Each slot holds a <see cref="LoopEvent"/>, or what a
    /// compact event is written from: the <see cref="Entry"/> of a start, the trace record of an executed request, a
    /// <see cref="RejectedRow"/>; beside it, in a chunk without references, a compact event's id bits.
    /// </summary>
    private sealed class EventLog
    {
        private const int ChunkBits = 10;
        private const int ChunkSize = 1 << ChunkBits;
        private object[][] _chunks = new object[4][];
        private (ulong High, ulong Low)[][] _ids = new (ulong, ulong)[4][];

        public int Count { get; private set; }

        public object this[int index]
        {
            get => _chunks[index >> ChunkBits][index & (ChunkSize - 1)];
            set => _chunks[index >> ChunkBits][index & (ChunkSize - 1)] = value;
        }

        public (ulong High, ulong Low) IdBits(int index) => _ids[index >> ChunkBits][index & (ChunkSize - 1)];

        public void Add(object item, (ulong High, ulong Low) idBits)
        {
            var chunk = Count >> ChunkBits;
            if (chunk == _chunks.Length)
            {
                Array.Resize(ref _chunks, _chunks.Length * 2);
                Array.Resize(ref _ids, _ids.Length * 2);
            }

            (_chunks[chunk] ??= new object[ChunkSize])[Count & (ChunkSize - 1)] = item;
            (_ids[chunk] ??= new (ulong, ulong)[ChunkSize])[Count & (ChunkSize - 1)] = idBits;
            Count++;
        }
    }

    /// <summary>A rejected request's values: its <c>transition_requested</c> and <c>transition_blocked</c> events are written from them.</summary>
    private sealed class RejectedRow(LoopEvent requested, string? causationId, string transitionId, Actor actor, Evidence evidence, BlockReason reason, IReadOnlyList<GuardFailure> failures)
    {
        private readonly string _orgId = requested.OrgId;
        private readonly string _loopId = requested.LoopId;
        private readonly string _aggregateId = requested.AggregateId;
        private readonly string _correlationId = requested.CorrelationId;
        private readonly DateTimeOffset _occurredAt = requested.OccurredAt;

        public LoopEvent Materialize((ulong High, ulong Low) id, bool blocked, long position) => blocked
            ? new LoopEvent(null, id.High, id.Low, LoopEventTypes.Blocked, _orgId, _loopId, _aggregateId, _correlationId, _occurredAt,
                new EventBody<(string, Actor, BlockReason, IReadOnlyList<GuardFailure>)>(causationId, (transitionId, actor, reason, failures), LoopRuntime.BlockedFields))
            {
                Position = position,
            }
            : new LoopEvent(null, id.High, id.Low, LoopEventTypes.TransitionRequested, _orgId, _loopId, _aggregateId, _correlationId, _occurredAt,
                new EventBody<(string, Actor, Evidence, DateTimeOffset)>(causationId, (transitionId, actor, evidence, _occurredAt), LoopRuntime.RequestedFields))
            {
                Position = position,
            };
    }

    private sealed class Entry(LoopInstance instance)
    {
        public LoopInstance Instance { get; private set; } = instance;

        // The start record is held directly; a list is allocated only when a second record arrives (most memory is held by open loops that have not moved yet).
        private TransitionRecord? _first;
        private List<TransitionRecord>? _rest;

        // An engine-written $start record, held as its hash and the fields the instance does not hold (_first stays null),
        // shared with other starts that have the same: the rest (org, loop, version, aggregate, correlation id, time) is the
        // instance's as long as it keeps them.
        private StartShape? _start;
        private TraceHash? _startHash;

        // Its started event's index in the stream, when held here (the stream keeps its id's bits).
        private int _startedIndex = -1;

        public bool HasCompactStart => _start is not null;

        public StartShape? Shape => _start;

        public int RecordCount => _first is null && _start is null ? 0 : 1 + (_rest?.Count ?? 0);

        public TransitionRecord GetRecord(int index) => index == 0 ? _first ?? StartRecord(Instance) : _rest![index - 1];

        /// <summary>Gets the milliseconds from the record before <paramref name="record"/> (sequence 2 or later, held here) to it, as its executed event states them.</summary>
        public long DurationBefore(TransitionRecord record)
        {
            var index = (int)record.Sequence - 2;
            var previous = index == 0 ? _first?.OccurredAt ?? Instance.OpenedAt : _rest![index - 1].OccurredAt;
            return (long)(record.OccurredAt - previous).TotalMilliseconds;
        }

        /// <summary>Adds a record; a start the engine wrote is held compactly, sharing <paramref name="lastStart"/> when it has the same shape.</summary>
        public void AddRecord(TransitionRecord record, ref StartShape? lastStart)
        {
            if (_first is null && _start is null)
            {
                if (!TryHoldStart(record, ref lastStart))
                {
                    _first = record;
                }
            }
            else
            {
                (_rest ??= new List<TransitionRecord>(4)).Add(record);
            }
        }

        /// <summary>Replaces the instance; first turns a compact start back into objects if the new instance changes a field they take from it.</summary>
        public void Replace(LoopInstance instance, EventLog events)
        {
            var old = Instance;
            if (_start is not null && !ReferenceEquals(instance, old)
                && !(string.Equals(instance.OrgId, old.OrgId, StringComparison.Ordinal)
                    && string.Equals(instance.AggregateId, old.AggregateId, StringComparison.Ordinal)
                    && string.Equals(instance.LoopId, old.LoopId, StringComparison.Ordinal)
                    && string.Equals(instance.DefinitionVersion, old.DefinitionVersion, StringComparison.Ordinal)
                    && string.Equals(instance.CorrelationId, old.CorrelationId, StringComparison.Ordinal)
                    && instance.OpenedAt.EqualsExact(old.OpenedAt)))
            {
                if (_startedIndex >= 0)
                {
                    events[_startedIndex] = Started(events.IdBits(_startedIndex), 0);
                    _startedIndex = -1;
                }

                _first = StartRecord(old);
                _start = null;
                _startHash = null;
            }

            Instance = instance;
        }

        /// <summary>Tells whether a start record's or started event's envelope is the instance's opening (its org, loop, aggregate, correlation and time).</summary>
        private static bool IsOpeningOf(LoopInstance instance, string orgId, string loopId, string aggregateId, string correlationId, DateTimeOffset at) =>
            string.Equals(orgId, instance.OrgId, StringComparison.Ordinal)
            && string.Equals(loopId, instance.LoopId, StringComparison.Ordinal)
            && string.Equals(aggregateId, instance.AggregateId, StringComparison.Ordinal)
            && string.Equals(correlationId, instance.CorrelationId, StringComparison.Ordinal)
            && at.EqualsExact(instance.OpenedAt);

        private bool TryHoldStart(TransitionRecord record, ref StartShape? lastStart)
        {
            var instance = Instance;
            if (record.Sequence != 1
                || !string.Equals(record.TransitionId, ReservedTransitions.Start, StringComparison.Ordinal)
                || record.FromState is not null
                || record.ToState is null
                || record.Actor is null
                || record.Evidence is null
                || record.HashValue is null
                || !Equals(record.PreviousHashValue, TraceHash.Genesis)
                || !ReferenceEquals(record.Warnings, Array.Empty<GuardWarning>())
                || record.RecommendationId is not null || record.Recommender is not null || record.RecommendationEvidence is not null
                || !string.Equals(record.DefinitionVersion, instance.DefinitionVersion, StringComparison.Ordinal)
                || !IsOpeningOf(instance, record.OrgId, record.LoopId, record.AggregateId, record.CorrelationId, record.OccurredAt))
            {
                return false;
            }

            _start = lastStart is not null && lastStart.IsShapeOf(record) ? lastStart : new StartShape(record.Actor, record.Evidence, record.CausationId, record.ToState);
            lastStart = _start;
            _startHash = record.HashValue;
            return true;
        }

        private TransitionRecord StartRecord(LoopInstance instance)
        {
            var record = new TransitionRecord
            {
                OrgId = instance.OrgId,
                LoopId = instance.LoopId,
                DefinitionVersion = instance.DefinitionVersion,
                AggregateId = instance.AggregateId,
                Sequence = 1,
                TransitionId = ReservedTransitions.Start,
                FromState = null,
                ToState = _start!.State,
                Actor = _start.Actor,
                OccurredAt = instance.OpenedAt,
                Evidence = _start.Evidence,
                CorrelationId = instance.CorrelationId,
                CausationId = _start.CausationId,
                Warnings = Array.Empty<GuardWarning>(),
                PreviousHash = TransitionRecord.GenesisHash,
                Hash = string.Empty,
            };
            record.SetHash(_startHash!);
            return record;
        }

        /// <summary>Holds the started event of the compact start when the engine wrote it from that start, with a default id and untouched JSON.</summary>
        public bool TryHoldStarted(LoopEvent e, int index)
        {
            var instance = Instance;
            if (_start is null || _startedIndex >= 0
                || !IsPristine(e, LoopEventTypes.Started, LoopRuntime.StartedFields, out var body)
                || !_start.Has(body.State.State, body.CausationId, body.State.Actor)
                || !IsOpeningOf(instance, e.OrgId, e.LoopId, e.AggregateId, e.CorrelationId, e.OccurredAt))
            {
                return false;
            }

            _startedIndex = index;
            return true;
        }

        /// <summary>Writes the held started event again (a new object with the committed values and JSON).</summary>
        public LoopEvent Started((ulong High, ulong Low) id, long position)
        {
            var instance = Instance;
            return new LoopEvent(null, id.High, id.Low, LoopEventTypes.Started, instance.OrgId, instance.LoopId, instance.AggregateId, instance.CorrelationId, instance.OpenedAt,
                new EventBody<(string State, Actor Actor)>(_start!.CausationId, (_start.State, _start.Actor), LoopRuntime.StartedFields))
            {
                Position = position,
            };
        }
    }

    /// <summary>
    /// The fields of an engine-written <c>$start</c> record that its instance does not hold. Immutable; shared by the starts
    /// that have the same (most starts of a loop have the same actor, no evidence or the same, and no causation).
    /// </summary>
    private sealed class StartShape(Actor actor, Evidence evidence, string? causationId, string state)
    {
        public Actor Actor { get; } = actor;

        public Evidence Evidence { get; } = evidence;

        public string? CausationId { get; } = causationId;

        public string State { get; } = state;

        /// <summary>Tells whether <paramref name="record"/> has this shape: equal state, causation, actor and evidence (the same bytes).</summary>
        public bool IsShapeOf(TransitionRecord record) =>
            Has(record.ToState, record.CausationId, record.Actor)
            && (ReferenceEquals(Evidence, record.Evidence) || Evidence.Equals(record.Evidence));

        /// <summary>Tells whether a start (its record, or its started event, which has no evidence) entered this state with this causation and actor.</summary>
        public bool Has(string state, string? causationId, Actor actor) =>
            string.Equals(State, state, StringComparison.Ordinal)
            && string.Equals(CausationId, causationId, StringComparison.Ordinal)
            && Actor.Equals(actor);
    }
}
