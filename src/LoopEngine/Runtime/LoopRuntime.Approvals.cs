namespace LoopEngine;

public sealed partial class LoopRuntime
{
    /// <inheritdoc/>
    public async ValueTask<TransitionResult> ApproveAsync(ApprovalRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.Approver);
        var org = ResolveOrg(request.OrgId);
        Identifiers.ValidateOpaqueId(request.RecommendationId, "Recommendation id", nameof(request));
        var evidence = CheckEvidence(request.Evidence);
        for (var attempt = 0; ; attempt++)
        {
            var recommendation = await GetRecommendationOrThrowAsync(org, request.RecommendationId, request.AggregateId, cancellationToken).ConfigureAwait(false);
            var instance = await LoadAsync(org, recommendation.AggregateId, recommendation.LoopId, cancellationToken).ConfigureAwait(false);
            var compiled = GetCompiled(instance.LoopId, instance.DefinitionVersion);
            switch (recommendation.Status)
            {
                case RecommendationStatus.Approved:
                    var records = recommendation.ExecutedSequence is { } sequence
                        ? await _store.ReadTraceAsync(org, instance.AggregateId, sequence, 1, cancellationToken).ConfigureAwait(false)
                        : [];
                    return new TransitionResult { Outcome = TransitionOutcome.Executed, Instance = instance, Record = records.Count > 0 ? records[0] : null, Recommendation = recommendation, IsReplay = true };
                case RecommendationStatus.Pending:
                    break;
                default:
                    throw new RecommendationStateException(
                        $"Recommendation '{recommendation.Id}' is {recommendation.Status.ToString().ToLowerInvariant()}{(recommendation.DecisionReason is null ? string.Empty : $" ({recommendation.DecisionReason})")}: only a pending recommendation can be approved.");
            }

            var now = Now();
            if (recommendation.ExpiresAt <= now)
            {
                await ExpireAsync(instance, recommendation, now, cancellationToken).ConfigureAwait(false);
                throw new RecommendationStateException($"Recommendation '{recommendation.Id}' expired at {TraceCanonicalizer.FormatTime(recommendation.ExpiresAt)}: it can no longer be approved. Ask for a new recommendation.");
            }

            if (instance.Version != recommendation.InstanceVersion)
            {
                throw new RecommendationStateException(
                    $"Recommendation '{recommendation.Id}' is stale: it was made against version {recommendation.InstanceVersion} in state {recommendation.FromState}, and the loop is now at version {instance.Version} in state {instance.CurrentState}. Nothing was executed.");
            }

            var definition = compiled.Definition;
            var transition = definition.TryGetTransition(recommendation.TransitionId, out var t) ? t : throw new RecommendationStateException($"Recommendation '{recommendation.Id}' names transition '{recommendation.TransitionId}', which version {definition.Version} of '{definition.Id}' does not define.");
            var refusal = await CheckApproverAsync(definition, transition, recommendation, request.Approver, org, cancellationToken).ConfigureAwait(false);
            if (refusal is not null)
            {
                var blocked = Decision.Blocked(BlockReason.UnauthorizedActor, refusal, transition);
                return (await BlockAsync(compiled, instance, transition.Id, request.Approver, evidence, recommendation.CorrelationId, recommendation.Id, blocked, cancellationToken).ConfigureAwait(false))!;
            }

            var decision = await DecideAsync(compiled, instance, transition.Id, request.Approver, evidence, isApproval: true, cancellationToken).ConfigureAwait(false);
            if (decision.Kind == DecisionKind.Block)
            {
                return (await BlockAsync(compiled, instance, transition.Id, request.Approver, evidence, recommendation.CorrelationId, recommendation.Id, decision, cancellationToken).ConfigureAwait(false))!;
            }

            var result = await CommitExecutionAsync(compiled, instance, decision with { Kind = DecisionKind.Execute }, request.Approver, evidence, recommendation.CorrelationId, null, recommendation, null, null, cancellationToken).ConfigureAwait(false);
            if (result is not null)
            {
                LoopRuntimeLog.Decided(_logger, recommendation.Id, instance.LoopId, instance.AggregateId, "approved", request.Approver.Id);
                return result;
            }

            LoopEngineInstrumentation.Conflicts.Add(1);
            if (attempt >= _options.MaxConflictRetries)
            {
                return Conflict(await LoadAsync(org, instance.AggregateId, null, cancellationToken).ConfigureAwait(false), instance.Version);
            }
        }
    }

    /// <summary>Checks that an actor may decide a recommendation; returns why not, or <see langword="null"/>.</summary>
    private async ValueTask<string?> CheckApproverAsync(LoopDefinition definition, TransitionSpec transition, Recommendation recommendation, Actor approver, string org, CancellationToken cancellationToken)
    {
        var permitted = PermittedApprovers(definition, transition);
        if (!permitted.Contains(approver.Type))
        {
            return $"Actor '{approver.Id}' ({approver.Type.ToWireName()}) may not approve transition '{transition.Id}': its permitted approver types are {Join(permitted)}.";
        }

        if (transition.FourEyes && string.Equals(approver.Id, recommendation.Recommender.Id, StringComparison.Ordinal))
        {
            return $"Actor '{approver.Id}' recommended '{recommendation.Id}' and may not approve it too: transition '{transition.Id}' requires four eyes (a different approver).";
        }

        if (transition.Roles.Count > 0
            && !await _authorizer.IsAuthorizedAsync(new AuthorizationArguments(approver, org, definition, transition, true, cancellationToken)).ConfigureAwait(false))
        {
            return $"Actor '{approver.Id}' lacks a role that approving transition '{transition.Id}' requires: {string.Join(", ", transition.Roles)}.";
        }

        return null;
    }

    /// <inheritdoc/>
    public async ValueTask<Recommendation> RejectAsync(RejectionRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.Actor);
        var org = ResolveOrg(request.OrgId);
        Identifiers.ValidateOpaqueId(request.RecommendationId, "Recommendation id", nameof(request));
        if (string.IsNullOrWhiteSpace(request.Reason) || request.Reason.Length > 4096)
        {
            throw new ArgumentException("A rejection needs a reason of 1 to 4096 characters.", nameof(request));
        }

        for (var attempt = 0; ; attempt++)
        {
            var recommendation = await GetRecommendationOrThrowAsync(org, request.RecommendationId, null, cancellationToken).ConfigureAwait(false);
            if (recommendation.Status == RecommendationStatus.Rejected)
            {
                return recommendation;
            }

            if (recommendation.Status != RecommendationStatus.Pending)
            {
                throw new RecommendationStateException($"Recommendation '{recommendation.Id}' is {recommendation.Status.ToString().ToLowerInvariant()}: only a pending recommendation can be rejected.");
            }

            var instance = await LoadAsync(org, recommendation.AggregateId, recommendation.LoopId, cancellationToken).ConfigureAwait(false);
            var definition = GetCompiled(instance.LoopId, instance.DefinitionVersion).Definition;
            if (!definition.TryGetTransition(recommendation.TransitionId, out var transition))
            {
                throw new RecommendationStateException($"Recommendation '{recommendation.Id}' names transition '{recommendation.TransitionId}', which '{definition.Key}' does not define.");
            }

            var permitted = PermittedApprovers(definition, transition);
            if (!permitted.Contains(request.Actor.Type))
            {
                throw new RecommendationStateException($"Actor '{request.Actor.Id}' ({request.Actor.Type.ToWireName()}) may not reject a recommendation of '{transition.Id}': its permitted approver types are {Join(permitted)}.");
            }

            var now = Now();
            var rejected = recommendation with { Status = RecommendationStatus.Rejected, DecidedAt = now, DecidedBy = request.Actor, DecisionReason = request.Reason };
            var rejectedEvent = _events.Create(LoopEventTypes.RecommendationRejected, org, instance.LoopId, instance.AggregateId, recommendation.CorrelationId, recommendation.Id, now, w =>
            {
                w.WriteString("recommendationId", recommendation.Id);
                w.WriteString("transitionId", recommendation.TransitionId);
                w.WriteString("fromState", recommendation.FromState);
                EventWriter.WriteFullActor(w, "rejectedBy", request.Actor);
                EventWriter.WriteFullActor(w, "recommender", recommendation.Recommender);
                w.WriteString("reason", request.Reason);
                w.WriteNumber("latencyMs", (long)(now - recommendation.CreatedAt).TotalMilliseconds);
            });
            var commit = new StoreCommit
            {
                OrgId = org,
                Instances = [InstanceWrite.Over(instance, instance with { PendingRecommendationCount = Math.Max(0, instance.PendingRecommendationCount - 1), PendingRecommendations = [] })],
                Recommendations = [rejected],
                Events = [rejectedEvent],
            };
            if ((await CommitAsync(commit, cancellationToken).ConfigureAwait(false)).IsCommitted)
            {
                LoopRuntimeLog.Decided(_logger, recommendation.Id, instance.LoopId, instance.AggregateId, "rejected", request.Actor.Id);
                return rejected;
            }

            if (attempt >= _options.MaxConflictRetries)
            {
                throw new RecommendationStateException($"Recommendation '{recommendation.Id}' could not be rejected: its loop kept moving ({attempt + 1} attempts).");
            }
        }
    }

    /// <inheritdoc/>
    public async ValueTask<int> ExpireRecommendationsAsync(string? orgId = null, CancellationToken cancellationToken = default)
    {
        var org = ResolveOrg(orgId);
        var now = Now();
        var expired = 0;
        string? token = null;
        var due = new List<Recommendation>();
        do
        {
            var page = await _store.QueryRecommendationsAsync(
                new RecommendationQuery { OrgId = org, Statuses = [RecommendationStatus.Pending], PageSize = InstanceQuery.MaxPageSize, ContinuationToken = token },
                cancellationToken).ConfigureAwait(false);
            due.AddRange(page.Items.Where(r => r.ExpiresAt <= now));
            token = page.ContinuationToken;
        }
        while (token is not null);

        foreach (var recommendation in due)
        {
            var instance = await _store.GetInstanceAsync(org, recommendation.AggregateId, cancellationToken).ConfigureAwait(false);
            if (instance is not null && await ExpireAsync(instance, recommendation, now, cancellationToken).ConfigureAwait(false))
            {
                expired++;
            }
        }

        return expired;
    }

    private async ValueTask<bool> ExpireAsync(LoopInstance instance, Recommendation recommendation, DateTimeOffset now, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt <= _options.MaxConflictRetries; attempt++)
        {
            var expiredEvent = _events.Create(LoopEventTypes.RecommendationExpired, instance.OrgId, instance.LoopId, instance.AggregateId, recommendation.CorrelationId, recommendation.Id, now, w =>
            {
                w.WriteString("recommendationId", recommendation.Id);
                w.WriteString("transitionId", recommendation.TransitionId);
                w.WriteString("fromState", recommendation.FromState);
                w.WriteString("expiresAt", TraceCanonicalizer.FormatTime(recommendation.ExpiresAt));
            });
            var commit = new StoreCommit
            {
                OrgId = instance.OrgId,
                Instances = [InstanceWrite.Over(instance, instance with { PendingRecommendationCount = Math.Max(0, instance.PendingRecommendationCount - 1), PendingRecommendations = [] })],
                Recommendations = [recommendation with { Status = RecommendationStatus.Expired, DecidedAt = now }],
                Events = [expiredEvent],
            };
            if ((await CommitAsync(commit, cancellationToken).ConfigureAwait(false)).IsCommitted)
            {
                return true;
            }

            var current = await _store.GetRecommendationAsync(instance.OrgId, recommendation.Id, cancellationToken).ConfigureAwait(false);
            if (current is null || current.Status != RecommendationStatus.Pending)
            {
                return false;
            }

            instance = await _store.GetInstanceAsync(instance.OrgId, instance.AggregateId, cancellationToken).ConfigureAwait(false) ?? instance;
        }

        return false;
    }

    private async ValueTask<Recommendation> GetRecommendationOrThrowAsync(string org, string recommendationId, string? aggregateId, CancellationToken cancellationToken)
    {
        var recommendation = await _store.GetRecommendationAsync(org, recommendationId, cancellationToken).ConfigureAwait(false);
        if (recommendation is null || (aggregateId is not null && !string.Equals(aggregateId, recommendation.AggregateId, StringComparison.Ordinal)))
        {
            throw new RecommendationNotFoundException(
                $"No recommendation '{Identifiers.Printable(recommendationId)}' exists in org '{org}'{(aggregateId is null ? string.Empty : $" for aggregate '{Identifiers.Printable(aggregateId)}'")}. List pending recommendations with ListRecommendationsAsync.");
        }

        return recommendation;
    }
}
