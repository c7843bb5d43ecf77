using System.Runtime.CompilerServices;

namespace LoopEngine;

public sealed partial class LoopRuntime
{
    /// <inheritdoc/>
    public async ValueTask<LoopInstance?> GetInstanceAsync(string aggregateId, string? orgId = null, CancellationToken cancellationToken = default)
    {
        var org = ResolveOrg(orgId);
        Identifiers.ValidateOpaqueId(aggregateId, "Aggregate id", nameof(aggregateId));
        var instance = await _store.GetInstanceAsync(org, aggregateId, cancellationToken).ConfigureAwait(false);
        return instance is null ? null : await WithPendingAsync(instance, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<LoopInstance> WithPendingAsync(LoopInstance instance, CancellationToken cancellationToken)
    {
        if (instance.PendingRecommendationCount == 0)
        {
            return instance;
        }

        var page = await _store.QueryRecommendationsAsync(
            new RecommendationQuery { OrgId = instance.OrgId, AggregateId = instance.AggregateId, Statuses = [RecommendationStatus.Pending], PageSize = InstanceQuery.MaxPageSize },
            cancellationToken).ConfigureAwait(false);
        var now = Now();
        var pending = new List<Recommendation>(page.Items.Count);
        foreach (var recommendation in page.Items)
        {
            if (recommendation.ExpiresAt <= now)
            {
                // Expiry on read: the recommendation is expired in the store, not only hidden.
                await ExpireAsync(instance, recommendation, now, cancellationToken).ConfigureAwait(false);
                instance = await _store.GetInstanceAsync(instance.OrgId, instance.AggregateId, cancellationToken).ConfigureAwait(false) ?? instance;
            }
            else
            {
                pending.Add(recommendation);
            }
        }

        return instance with { PendingRecommendations = pending };
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<TransitionRecord>> GetTraceAsync(string aggregateId, string? orgId = null, CancellationToken cancellationToken = default)
    {
        var org = ResolveOrg(orgId);
        Identifiers.ValidateOpaqueId(aggregateId, "Aggregate id", nameof(aggregateId));
        return _store.ReadTraceAsync(org, aggregateId, 1, int.MaxValue, cancellationToken);
    }

    /// <inheritdoc/>
    public async ValueTask<Page<LoopInstance>> ListInstancesAsync(InstanceQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        Identifiers.ValidateOpaqueId(query.OrgId, "Org id", nameof(query));
        PageTokens.ValidatePageSize(query.PageSize);
        var page = await _store.QueryInstancesAsync(query, cancellationToken).ConfigureAwait(false);
        var items = new List<LoopInstance>(page.Items.Count);
        foreach (var instance in page.Items)
        {
            items.Add(await WithPendingAsync(instance, cancellationToken).ConfigureAwait(false));
        }

        return page with { Items = items };
    }

    /// <inheritdoc/>
    public async ValueTask<Page<Recommendation>> ListRecommendationsAsync(RecommendationQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        Identifiers.ValidateOpaqueId(query.OrgId, "Org id", nameof(query));
        PageTokens.ValidatePageSize(query.PageSize);
        var page = await _store.QueryRecommendationsAsync(query, cancellationToken).ConfigureAwait(false);
        var now = Now();
        if (!page.Items.Any(r => r.Status == RecommendationStatus.Pending && r.ExpiresAt <= now))
        {
            return page;
        }

        var items = new List<Recommendation>(page.Items.Count);
        foreach (var recommendation in page.Items)
        {
            if (recommendation.Status == RecommendationStatus.Pending && recommendation.ExpiresAt <= now)
            {
                var instance = await _store.GetInstanceAsync(recommendation.OrgId, recommendation.AggregateId, cancellationToken).ConfigureAwait(false);
                if (instance is not null)
                {
                    await ExpireAsync(instance, recommendation, now, cancellationToken).ConfigureAwait(false);
                }

                var expired = recommendation with { Status = RecommendationStatus.Expired, DecidedAt = now };
                if (query.Statuses is null || query.Statuses.Contains(RecommendationStatus.Expired))
                {
                    items.Add(expired);
                }
            }
            else
            {
                items.Add(recommendation);
            }
        }

        return page with { Items = items };
    }

    /// <inheritdoc/>
    public async ValueTask<TraceVerificationResult> VerifyTraceAsync(string aggregateId, string? orgId = null, TraceHead? exportedHead = null, CancellationToken cancellationToken = default)
    {
        var org = ResolveOrg(orgId);
        Identifiers.ValidateOpaqueId(aggregateId, "Aggregate id", nameof(aggregateId));
        var instance = await _store.GetInstanceAsync(org, aggregateId, cancellationToken).ConfigureAwait(false)
            ?? throw new LoopNotFoundException($"No loop instance exists for aggregate '{Identifiers.Printable(aggregateId)}' in org '{org}'.");
        var records = await _store.ReadTraceAsync(org, aggregateId, 1, int.MaxValue, cancellationToken).ConfigureAwait(false);
        var own = TraceVerifier.Verify(records, instance.Head);
        if (!own.IsValid || exportedHead is null)
        {
            return own;
        }

        return TraceVerifier.Verify(records, exportedHead, headIsCurrent: false);
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<LoopEvent> ReadEventsAsync(long afterPosition = 0, bool follow = false, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(afterPosition);
        var position = afterPosition;
        while (!cancellationToken.IsCancellationRequested)
        {
            var batch = await _store.ReadEventsAsync(position, 512, cancellationToken).ConfigureAwait(false);
            foreach (var item in batch)
            {
                position = item.Position;
                yield return item;
            }

            if (batch.Count > 0)
            {
                continue;
            }

            if (!follow)
            {
                yield break;
            }

            await _store.WaitForEventsAsync(position, TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public ValueTask<LoopInstance> CancelAsync(EndLoopRequest request, CancellationToken cancellationToken = default) =>
        EndAsync(request, ReservedTransitions.Cancel, LoopStatus.Cancelled, cancellationToken);

    /// <inheritdoc/>
    public ValueTask<LoopInstance> FailAsync(EndLoopRequest request, CancellationToken cancellationToken = default) =>
        EndAsync(request, ReservedTransitions.Fail, LoopStatus.Error, cancellationToken);

    private async ValueTask<LoopInstance> EndAsync(EndLoopRequest request, string transitionId, LoopStatus status, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.Actor);
        var org = ResolveOrg(request.OrgId);
        Identifiers.ValidateOpaqueId(request.AggregateId, "Aggregate id", nameof(request));
        if (string.IsNullOrWhiteSpace(request.Reason) || request.Reason.Length > 4096)
        {
            throw new ArgumentException("Ending a loop needs a reason of 1 to 4096 characters.", nameof(request));
        }

        var errorCode = request.ErrorCode ?? (status == LoopStatus.Error ? "failed" : "cancelled");
        if (!Identifiers.IsOpaqueId(errorCode))
        {
            throw new ArgumentException($"Error code '{Identifiers.Printable(errorCode)}' is not valid: {Identifiers.OpaqueIdRule}.", nameof(request));
        }

        var evidence = CheckEvidence(request.Evidence);
        for (var attempt = 0; ; attempt++)
        {
            var instance = await LoadAsync(org, request.AggregateId, null, cancellationToken).ConfigureAwait(false);
            if (instance.IsEnded)
            {
                throw new LoopClosedException($"Loop '{instance.LoopId}' for aggregate '{instance.AggregateId}' has already ended (status {instance.Status} in state {instance.CurrentState}).");
            }

            var now = Now();
            var (record, events, recommendations) = await ReservedStepAsync(instance, transitionId, instance.DefinitionVersion, instance.CurrentState, request.Actor, evidence, now, cancellationToken).ConfigureAwait(false);

            events.Add(status == LoopStatus.Cancelled
                ? _events.Create(LoopEventTypes.Cancelled, org, instance.LoopId, instance.AggregateId, instance.CorrelationId, null, now, w =>
                {
                    w.WriteString("state", instance.CurrentState);
                    w.WriteString("reason", request.Reason);
                    EventWriter.WriteActor(w, "actor", request.Actor);
                    w.WriteNumber("sequence", record.Sequence);
                })
                : _events.Create(LoopEventTypes.Error, org, instance.LoopId, instance.AggregateId, instance.CorrelationId, null, now, w =>
                {
                    w.WriteString("errorState", instance.CurrentState);
                    w.WriteString("errorCode", errorCode);
                    w.WriteString("errorMessage", request.Reason);
                    EventWriter.WriteActor(w, "actor", request.Actor);
                }));
            var updated = instance with { Status = status, Version = record.Sequence, UpdatedAt = now, ClosedAt = now, HeadHashValue = record.HashValue, PendingRecommendationCount = 0, PendingRecommendations = [] };
            List<TimerChange>? timers = null;
            CancelEngineTimers(ref timers, GetCompiled(instance.LoopId, instance.DefinitionVersion).Definition, instance);
            var result = await CommitAsync(
                new StoreCommit { OrgId = org, Instances = [InstanceWrite.Over(instance, updated)], Records = [record], Events = events, Recommendations = recommendations, Timers = TimersIfSupported(timers) },
                cancellationToken).ConfigureAwait(false);
            if (result.IsCommitted)
            {
                LoopRuntimeLog.Ended(_logger, instance.LoopId, instance.AggregateId, status, instance.CurrentState, instance.CorrelationId);
                return updated;
            }

            if (attempt >= _options.MaxConflictRetries)
            {
                throw new InvalidOperationException($"Loop '{instance.AggregateId}' could not be ended: it kept moving ({attempt + 1} attempts).");
            }
        }
    }

    /// <summary>
    /// Builds an engine step (<c>$cancel</c>, <c>$fail</c>, <c>$migrate</c>) on an instance: its sealed record, and the
    /// supersession of the aggregate's pending recommendations, since the loop moves on.
    /// </summary>
    private async ValueTask<(TransitionRecord Record, List<LoopEvent> Events, List<Recommendation> Recommendations)> ReservedStepAsync(
        LoopInstance instance, string transitionId, string definitionVersion, string toState, Actor actor, Evidence evidence, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var record = Seal(new TransitionRecord
        {
            OrgId = instance.OrgId,
            LoopId = instance.LoopId,
            DefinitionVersion = definitionVersion,
            AggregateId = instance.AggregateId,
            Sequence = instance.Version + 1,
            TransitionId = transitionId,
            FromState = instance.CurrentState,
            ToState = toState,
            Actor = actor,
            OccurredAt = now,
            Evidence = evidence,
            CorrelationId = instance.CorrelationId,
            PreviousHash = TransitionRecord.GenesisHash,
            PreviousHashValue = instance.HeadHashValue,
            Hash = string.Empty,
        });
        var events = new List<LoopEvent>();
        var recommendations = new List<Recommendation>();
        if (instance.PendingRecommendationCount > 0)
        {
            await SupersedeAsync(instance, null, instance.CorrelationId, now, recommendations, events, cancellationToken).ConfigureAwait(false);
        }

        return (record, events, recommendations);
    }
}
