using System.Globalization;
using System.Text.Json;

namespace LoopEngine;

public sealed partial class LoopRuntime
{
    private enum DecisionKind
    {
        Execute,
        Recommend,
        Block,
    }

#pragma warning disable CA1859 // The lists are built as List<T> or arrays in different paths; the record keeps the read-only view.
    private readonly record struct Decision(DecisionKind Kind, TransitionSpec? Transition, string? ToState, BlockReason Reason, string? Message, IReadOnlyList<GuardFailure> Failures, IReadOnlyList<GuardFailure> Warnings)
    {
        /// <summary>Gets the message to build when read, when <see cref="Message"/> is <see langword="null"/>.</summary>
        public DeferredMessage? Deferred { get; init; }

        public static Decision Blocked(BlockReason reason, string message, TransitionSpec? transition = null, IReadOnlyList<GuardFailure>? failures = null, IReadOnlyList<GuardFailure>? warnings = null) =>
            new(DecisionKind.Block, transition, null, reason, message, failures ?? [], warnings ?? []);
    }
#pragma warning restore CA1859

    /// <summary>The actor types that may approve a recommendation of <paramref name="transition"/>: declared approvers that the transition allows and that may execute.</summary>
    internal static IReadOnlyList<ActorType> PermittedApprovers(LoopDefinition definition, TransitionSpec transition)
    {
        var declared = transition.Approvers ?? definition.Policy.Approvers;
        var permitted = new List<ActorType>(declared.Count);
        foreach (var type in declared)
        {
            if (transition.AllowedActors.Contains(type) && !IsRecommendOnly(definition, transition, type))
            {
                permitted.Add(type);
            }
        }

        return permitted;
    }

    internal static bool IsRecommendOnly(LoopDefinition definition, TransitionSpec transition, ActorType type) =>
        HasType(definition.Policy.RecommendOnly, type) && !(type == ActorType.AiAgent && transition.AiMayExecute);

    /// <summary>Whether <paramref name="types"/> holds <paramref name="type"/> (an indexed scan: no enumerator on the hot path).</summary>
    private static bool HasType(IReadOnlyList<ActorType> types, ActorType type)
    {
        for (var i = 0; i < types.Count; i++)
        {
            if (types[i] == type)
            {
                return true;
            }
        }

        return false;
    }

    private async ValueTask<Decision> DecideAsync(CompiledLoop compiled, LoopInstance instance, string transitionId, Actor actor, Evidence evidence, bool isApproval, CancellationToken cancellationToken)
    {
        var definition = compiled.Definition;
        if (instance.IsEnded)
        {
            return Decision.Blocked(BlockReason.LoopClosed,
                $"Loop '{instance.LoopId}' for aggregate '{instance.AggregateId}' has ended (status {instance.Status} in state {instance.CurrentState}): no transition can move it.");
        }

        if (!definition.TryGetTransition(transitionId, out var transition) || !string.Equals(transition.From, instance.CurrentState, StringComparison.Ordinal))
        {
            var where = transition is null
                ? $"Transition '{Identifiers.Printable(transitionId)}' is not defined for loop '{definition.Id}'."
                : $"Transition '{transitionId}' of loop '{definition.Id}' leaves state {transition.From}, but the loop is in state {instance.CurrentState}.";
            return Decision.Blocked(BlockReason.InvalidTransition,
                $"{where} From state {instance.CurrentState} the permitted transitions are: {compiled.PermittedFrom[instance.CurrentState]}.");
        }

        if (!isApproval)
        {
            var allowed = HasType(transition.AllowedActors, actor.Type);
            var recommender = HasType(definition.Policy.Recommenders, actor.Type);
            if (!allowed && !recommender)
            {
                return new Decision(DecisionKind.Block, transition, null, BlockReason.UnauthorizedActor, null, [], [])
                {
                    Deferred = new UnauthorizedActorMessage(actor, transition.Id, compiled.UnauthorizedDetail[transition.Id]),
                };
            }

            if (!allowed || IsRecommendOnly(definition, transition, actor.Type))
            {
                return RecommendOrBlock(definition, transition, actor, transition.To);
            }

            if (transition.Roles.Count > 0
                && !await _authorizer.IsAuthorizedAsync(new AuthorizationArguments(actor, instance.OrgId, definition, transition, false, cancellationToken)).ConfigureAwait(false))
            {
                return Decision.Blocked(BlockReason.UnauthorizedActor,
                    $"Actor '{actor.Id}' lacks a role that transition '{transition.Id}' requires: {string.Join(", ", transition.Roles)}.", transition);
            }
        }

        var toState = compiled.Fire(instance.CurrentState, transition.Id);
        if (toState is null)
        {
            return Decision.Blocked(BlockReason.InvalidTransition,
                $"Transition '{transitionId}' is not permitted from state {instance.CurrentState}. From state {instance.CurrentState} the permitted transitions are: {compiled.PermittedFrom[instance.CurrentState]}.");
        }

        List<GuardFailure>? failuresList = null;
        var needsApproval = false;
        if (transition.RequiredEvidence.Count > 0)
        {
            List<string>? missing = null;
            foreach (var field in transition.RequiredEvidence)
            {
                if (!evidence.Has(field))
                {
                    (missing ??= []).Add(field);
                }
            }

            if (missing is not null)
            {
                (failuresList ??= []).Add(new GuardFailure("required_evidence",
                    $"Evidence is missing required field(s) {string.Join(", ", missing)}. Transition '{transition.Id}' requires: {string.Join(", ", transition.RequiredEvidence)}.", GuardSeverity.Hard));
            }
        }

        var now = Now();
        foreach (var guard in transition.Guards)
        {
            _guards.TryGetValue(guard.Id, out var implementation);
            if (implementation is null && guard.EvaluatedBy == GuardEvaluator.External)
            {
                // Invariant 10: without an evaluator, a hard external guard is satisfied only by a permitted approver's approval.
                if (isApproval)
                {
                    continue;
                }

                if (guard.Severity == GuardSeverity.Hard)
                {
                    needsApproval = true;
                }
                else
                {
                    (failuresList ??= []).Add(new GuardFailure(guard.Id, $"{guard.FailureMessage} (no evaluator is registered for external guard '{guard.Id}'; recorded as a warning)", GuardSeverity.Soft));
                }

                continue;
            }

            GuardResult result;
            if (implementation is null && guard.Id == ActorHasPermissionGuardId)
            {
                var authorized = await _authorizer.IsAuthorizedAsync(new AuthorizationArguments(actor, instance.OrgId, definition, transition, isApproval, cancellationToken)).ConfigureAwait(false);
                result = authorized ? GuardResult.Pass : GuardResult.Fail();
            }
            else if (implementation is null)
            {
                throw new InvalidOperationException($"Guard '{guard.Id}' of '{definition.Key}' has no implementation; the definition should have been refused at registration.");
            }
            else
            {
                result = await implementation.EvaluateAsync(new GuardArguments(guard, definition, transition, instance, actor, evidence, now, cancellationToken) { IsApproval = isApproval }).ConfigureAwait(false);
            }

            if (!result.Passed)
            {
                (failuresList ??= []).Add(new GuardFailure(guard.Id, result.Message ?? guard.FailureMessage, guard.Severity));
            }
        }

        List<GuardFailure>? hard = null;
        List<GuardFailure>? soft = null;
        if (failuresList is not null)
        {
            foreach (var failure in failuresList)
            {
                if (failure.Severity == GuardSeverity.Hard)
                {
                    (hard ??= []).Add(failure);
                }
                else
                {
                    (soft ??= []).Add(failure);
                }
            }
        }

        IReadOnlyList<GuardFailure> warnings = soft is null ? [] : soft;
        if (hard is not null)
        {
            return Decision.Blocked(BlockReason.GuardFailed,
                $"Transition '{transition.Id}' is blocked by guard(s): {string.Join("; ", hard.Select(f => $"{f.GuardId}: {f.Message}"))}", transition, hard, warnings);
        }

        if (needsApproval)
        {
            var approval = RecommendOrBlock(definition, transition, actor, toState);
            return approval with { Warnings = warnings };
        }

        return new Decision(DecisionKind.Execute, transition, toState, BlockReason.None, null, [], warnings);
    }

    private static Decision RecommendOrBlock(LoopDefinition definition, TransitionSpec transition, Actor actor, string toState)
    {
        var approvers = PermittedApprovers(definition, transition);
        if (approvers.Count == 0)
        {
            return Decision.Blocked(BlockReason.UnauthorizedActor,
                $"Actor '{actor.Id}' ({actor.Type.ToWireName()}) may only recommend transition '{transition.Id}', but no permitted actor type may approve it: approvers are {Join(transition.Approvers ?? definition.Policy.Approvers)} and the transition allows {Join(transition.AllowedActors)}.",
                transition);
        }

        return new Decision(DecisionKind.Recommend, transition, toState, BlockReason.None, null, [], []);
    }

    internal static string Join(IEnumerable<ActorType> types)
    {
        var names = types.Select(t => t.ToWireName()).ToList();
        return names.Count == 0 ? "none" : string.Join(", ", names);
    }

    /// <summary>Writes an executed transition (a direct one, or an approval); returns <see langword="null"/> when it lost a race.</summary>
    private async ValueTask<TransitionResult?> CommitExecutionAsync(
        CompiledLoop compiled,
        LoopInstance instance,
        Decision decision,
        Actor actor,
        Evidence evidence,
        string correlation,
        string? causation,
        Recommendation? approved,
        string? idempotencyKey,
        string? requestHash,
        CancellationToken cancellationToken,
        IReadOnlyDictionary<string, string>? spawnAggregateIds = null)
    {
        var definition = compiled.Definition;
        var transition = decision.Transition!;
        var toState = decision.ToState!;
        var now = Now();
        var status = compiled.StatusOf(toState);
        var ended = status is LoopStatus.Closed or LoopStatus.Error;
        var warnings = decision.Warnings.Count == 0 ? [] : decision.Warnings.Select(w => new GuardWarning(w.GuardId, w.Message)).ToArray();
        var record = Seal(new TransitionRecord
        {
            OrgId = instance.OrgId,
            LoopId = instance.LoopId,
            DefinitionVersion = instance.DefinitionVersion,
            AggregateId = instance.AggregateId,
            Sequence = instance.Version + 1,
            TransitionId = transition.Id,
            FromState = instance.CurrentState,
            ToState = toState,
            Actor = actor,
            OccurredAt = now,
            Evidence = evidence,
            CorrelationId = correlation,
            CausationId = approved?.Id ?? causation,
            Warnings = warnings,
            RecommendationId = approved?.Id,
            Recommender = approved?.Recommender,
            RecommendationEvidence = approved?.Evidence,
            PreviousHash = TransitionRecord.GenesisHash,
            PreviousHashValue = instance.HeadHashValue,
            Hash = string.Empty,
        });

        var recommendations = approved is null && instance.PendingRecommendationCount == 0 ? null : new List<Recommendation>();
        var pending = instance.PendingRecommendationCount;
        if (approved is not null)
        {
            recommendations!.Add(approved with { Status = RecommendationStatus.Approved, DecidedAt = now, DecidedBy = actor, ExecutedSequence = record.Sequence });
            pending--;
        }

        // Superseded recommendations and spawned children add events whose number is known only later.
        var events = new EventBatch(2 + decision.Warnings.Count + (approved is null ? 0 : 1) + (ended ? 1 : 0), pending > 0 || transition.Spawns.Count > 0 || spawnAggregateIds is not null);

        events.Add(RequestedEvent(instance, transition.Id, actor, evidence, correlation, causation, now));
        foreach (var warning in decision.Warnings)
        {
            events.Add(GuardFailedEvent(instance, transition.Id, warning, actor, correlation, causation, now));
        }

        events.Add(_events.Create(LoopEventTypes.Executed, instance.OrgId, instance.LoopId, instance.AggregateId, correlation, approved?.Id ?? causation, now,
            (From: instance.CurrentState, To: toState, Transition: transition.Id, Actor: actor, Evidence: evidence, DurationMs: (long)(now - instance.UpdatedAt).TotalMilliseconds),
            ExecutedFields));
        if (approved is not null)
        {
            events.Add(ApprovedEvent(instance, transition, toState, actor, evidence, approved, record.Sequence, correlation, now));
        }

        if (pending > 0)
        {
            pending -= await SupersedeAsync(instance, approved?.Id, correlation, now, recommendations!, events.List, cancellationToken).ConfigureAwait(false);
        }

        if (status == LoopStatus.Closed)
        {
            events.Add(_events.Create(LoopEventTypes.Completed, instance.OrgId, instance.LoopId, instance.AggregateId, correlation, causation, now,
                (State: toState, Actor: actor, DurationMs: (long)(now - instance.OpenedAt).TotalMilliseconds, Count: record.Sequence - 1, Outcome: definition.Outcome),
                static (w, s) =>
                {
                    w.WriteString("terminalState", s.State);
                    EventWriter.WriteActor(w, "actor", s.Actor);
                    w.WriteNumber("durationMs", s.DurationMs);
                    w.WriteNumber("transitionCount", s.Count);
                    w.WriteString("outcomeId", s.Outcome.Id);
                    w.WriteString("valueUnit", s.Outcome.ValueUnit);
                }));
        }
        else if (status == LoopStatus.Error)
        {
            events.Add(ErrorStateEvent(instance, transition, toState, actor, correlation, causation, now));
        }

        var updated = instance with
        {
            CurrentState = toState,
            Status = status,
            Version = record.Sequence,
            UpdatedAt = now,
            ClosedAt = ended ? now : null,
            HeadHashValue = record.HashValue,
            PendingRecommendationCount = Math.Max(0, pending),
            PendingRecommendations = [],
        };
        List<TimerChange>? timers = null;
        CancelEngineTimers(ref timers, definition, instance);
        if (SlaTimer(definition, updated) is { } sla)
        {
            (timers ??= new List<TimerChange>(2)).Add(sla);
        }

        // Children open in the same commit as the parent's step: both move, or neither does.
        var spawns = transition.Spawns.Count == 0 && spawnAggregateIds is null
            ? null
            : await PrepareDeclaredSpawnsAsync(instance, transition, record, actor, correlation, spawnAggregateIds, now, cancellationToken).ConfigureAwait(false);
        IReadOnlyList<InstanceWrite> writes;
        IReadOnlyList<TransitionRecord> records;
        if (spawns is null)
        {
            writes = [InstanceWrite.Over(instance, updated)];
            records = [record];
        }
        else
        {
            var writeList = new List<InstanceWrite>(1 + spawns.Count) { InstanceWrite.Over(instance, updated) };
            var recordList = new List<TransitionRecord>(1 + spawns.Count) { record };
            foreach (var spawn in spawns)
            {
                writeList.Add(spawn.Write);
                recordList.Add(spawn.Record);
                events.Add(spawn.Started);
                events.Add(spawn.Spawned);
                (timers ??= []).AddRange(spawn.Timers);
            }

            writes = writeList;
            records = recordList;
        }

        var commit = new StoreCommit
        {
            OrgId = instance.OrgId,
            Instances = writes,
            Records = records,
            Events = events.Events,
            Recommendations = recommendations ?? (IReadOnlyList<Recommendation>)[],
            Timers = TimersIfSupported(timers),
            Idempotency = idempotencyKey is null ? null : new IdempotencyEntry
            {
                OrgId = instance.OrgId,
                AggregateId = instance.AggregateId,
                Key = idempotencyKey,
                RequestHash = requestHash!,
                Sequence = record.Sequence,
                CreatedAt = now,
            },
        };
        var result = await CommitAsync(commit, cancellationToken).ConfigureAwait(false);
        if (result.Outcome == CommitOutcome.AlreadyExists && !string.Equals(result.ConflictAggregateId, instance.AggregateId, StringComparison.Ordinal))
        {
            throw new LoopAlreadyExistsException(
                $"Transition '{transition.Id}' on '{instance.AggregateId}' spawns a child loop for aggregate '{result.ConflictAggregateId}', which already has a loop in org '{instance.OrgId}': nothing was written and the parent did not move. Name another child aggregate id (TransitionRequest.SpawnAggregateIds) or seed the pattern's sequence past it.");
        }

        if (!result.IsCommitted)
        {
            return null;
        }

        foreach (var spawn in spawns ?? (IEnumerable<PreparedSpawn>)[])
        {
            LoopRuntimeLog.Spawned(_logger, instance.LoopId, instance.AggregateId, record.Sequence, spawn.Write.Instance.LoopId, spawn.Write.Instance.AggregateId, correlation);
        }

        LoopEngineInstrumentation.Transitions.Add(1);
        if (decision.Warnings.Count > 0)
        {
            LoopEngineInstrumentation.GuardFailures.Add(decision.Warnings.Count);
        }

        LoopRuntimeLog.Executed(_logger, transition.Id, instance.LoopId, instance.AggregateId, instance.CurrentState, toState, actor.Id, correlation);
        if (ended)
        {
            if (status == LoopStatus.Closed)
            {
                LoopEngineInstrumentation.Completions.Add(1);
            }

            LoopEngineInstrumentation.LoopDuration.Record((now - instance.OpenedAt).TotalSeconds);
            LoopRuntimeLog.Ended(_logger, instance.LoopId, instance.AggregateId, status, toState, correlation);
        }

        return new TransitionResult
        {
            Outcome = TransitionOutcome.Executed,
            Instance = updated,
            Record = record,
            GuardFailures = decision.Warnings,
            Recommendation = approved is null ? null : recommendations![0],
        };
    }

    /// <summary>Marks the aggregate's pending recommendations superseded (the loop moved on); returns how many.</summary>
    /// <summary>A commit's events: an exact-size array when their number is known up front (no list object per step), else a list.</summary>
    private struct EventBatch
    {
        private readonly LoopEvent[]? _array;
        private int _count;

        public EventBatch(int count, bool growable)
        {
            if (growable)
            {
                List = new List<LoopEvent>(count + 2);
            }
            else
            {
                _array = new LoopEvent[count];
            }
        }

        /// <summary>Gets the list of a growable batch.</summary>
        public List<LoopEvent> List { get; } = null!;

        public readonly IReadOnlyList<LoopEvent> Events => _array ?? (IReadOnlyList<LoopEvent>)List;

        public void Add(LoopEvent e)
        {
            if (_array is null)
            {
                List.Add(e);
            }
            else
            {
                _array[_count++] = e;
            }
        }
    }

    private async ValueTask<int> SupersedeAsync(LoopInstance instance, string? exceptId, string correlation, DateTimeOffset now, List<Recommendation> recommendations, List<LoopEvent> events, CancellationToken cancellationToken)
    {
        var page = await _store.QueryRecommendationsAsync(
            new RecommendationQuery { OrgId = instance.OrgId, AggregateId = instance.AggregateId, Statuses = [RecommendationStatus.Pending], PageSize = InstanceQuery.MaxPageSize },
            cancellationToken).ConfigureAwait(false);
        var count = 0;
        foreach (var open in page.Items)
        {
            if (open.Id == exceptId)
            {
                continue;
            }

            count++;
            recommendations.Add(open with { Status = RecommendationStatus.Superseded, DecidedAt = now });
            events.Add(_events.Create(LoopEventTypes.RecommendationSuperseded, instance.OrgId, instance.LoopId, instance.AggregateId, correlation, open.Id, now, w =>
            {
                w.WriteString("recommendationId", open.Id);
                w.WriteString("transitionId", open.TransitionId);
                w.WriteString("fromState", open.FromState);
                w.WriteNumber("instanceVersion", open.InstanceVersion);
            }));
        }

        return count;
    }

    private async ValueTask<TransitionResult?> RecommendAsync(CompiledLoop compiled, LoopInstance instance, TransitionRequest request, Evidence evidence, string? requestHash, CancellationToken cancellationToken)
    {
        var definition = compiled.Definition;
        var transition = definition.TryGetTransition(request.TransitionId, out var t) ? t : throw new InvalidOperationException("Unreachable: a recommendation names a defined transition.");
        var now = Now();
        var correlation = request.CorrelationId ?? instance.CorrelationId;
        var recommendation = new Recommendation
        {
            Id = _ids.NewId("rec"),
            OrgId = instance.OrgId,
            LoopId = instance.LoopId,
            AggregateId = instance.AggregateId,
            TransitionId = transition.Id,
            FromState = instance.CurrentState,
            InstanceVersion = instance.Version,
            Recommender = request.Actor,
            Evidence = evidence,
            Reasoning = request.Reasoning,
            CorrelationId = correlation,
            CreatedAt = now,
            ExpiresAt = now + (transition.RecommendationTtl ?? _options.DefaultRecommendationTtl),
            Status = RecommendationStatus.Pending,
        };
        var events = new List<LoopEvent>(2)
        {
            RequestedEvent(instance, transition.Id, request.Actor, evidence, correlation, request.CausationId, now),
            _events.Create(LoopEventTypes.RecommendationCreated, instance.OrgId, instance.LoopId, instance.AggregateId, correlation, request.CausationId, now, w =>
            {
                w.WriteString("recommendationId", recommendation.Id);
                w.WriteString("transitionId", transition.Id);
                w.WriteString("fromState", instance.CurrentState);
                w.WriteString("toState", transition.To);
                w.WriteNumber("instanceVersion", instance.Version);
                EventWriter.WriteFullActor(w, "recommender", request.Actor);
                EventWriter.WriteEvidence(w, "evidence", evidence);
                if (request.Reasoning is not null)
                {
                    w.WriteString("reasoning", request.Reasoning);
                }

                w.WriteString("expiresAt", TraceCanonicalizer.FormatTime(recommendation.ExpiresAt));
                w.WriteStartArray("approvers");
                foreach (var approver in PermittedApprovers(definition, transition))
                {
                    w.WriteStringValue(approver.ToWireName());
                }

                w.WriteEndArray();
            }),
        };
        var updated = instance with { PendingRecommendationCount = instance.PendingRecommendationCount + 1, PendingRecommendations = [] };
        var commit = new StoreCommit
        {
            OrgId = instance.OrgId,
            Instances = [InstanceWrite.Over(instance, updated)],
            Events = events,
            Recommendations = [recommendation],
            Timers = TimersIfSupported([TimerChange.Schedule(new LoopTimer
            {
                OrgId = instance.OrgId,
                AggregateId = instance.AggregateId,
                LoopId = instance.LoopId,
                Kind = TimerKinds.RecommendationExpiry,
                Key = recommendation.Id,
                DueAt = recommendation.ExpiresAt,
                InstanceVersion = instance.Version,
                State = instance.CurrentState,
            })]),
            Idempotency = request.IdempotencyKey is null ? null : new IdempotencyEntry
            {
                OrgId = instance.OrgId,
                AggregateId = instance.AggregateId,
                Key = request.IdempotencyKey,
                RequestHash = requestHash!,
                RecommendationId = recommendation.Id,
                CreatedAt = now,
            },
        };
        var result = await CommitAsync(commit, cancellationToken).ConfigureAwait(false);
        if (!result.IsCommitted)
        {
            return null;
        }

        LoopEngineInstrumentation.Recommendations.Add(1);
        LoopRuntimeLog.Recommended(_logger, recommendation.Id, transition.Id, instance.LoopId, instance.AggregateId, request.Actor.Id, correlation);
        return new TransitionResult
        {
            Outcome = TransitionOutcome.PendingApproval,
            Instance = updated,
            Recommendation = recommendation,
            Message = $"Transition '{transition.Id}' awaits approval by {Join(PermittedApprovers(definition, transition))} (recommendation {recommendation.Id}, expires {TraceCanonicalizer.FormatTime(recommendation.ExpiresAt)}).",
        };
    }

    private async ValueTask<TransitionResult?> BlockAsync(CompiledLoop compiled, LoopInstance instance, string transitionId, Actor actor, Evidence evidence, string? correlationId, string? causation, Decision decision, CancellationToken cancellationToken)
    {
        var now = Now();
        var correlation = correlationId ?? instance.CorrelationId;
        // The requested event, one guard-failed event per failure and warning, the blocked event: an exact-size array.
        var events = new LoopEvent[2 + decision.Failures.Count + decision.Warnings.Count];
        var next = 0;
        events[next++] = RequestedEvent(instance, transitionId, actor, evidence, correlation, causation, now);
        foreach (var failure in decision.Failures)
        {
            events[next++] = GuardFailedEvent(instance, transitionId, failure, actor, correlation, causation, now);
        }

        foreach (var failure in decision.Warnings)
        {
            events[next++] = GuardFailedEvent(instance, transitionId, failure, actor, correlation, causation, now);
        }

        // The blocked event keeps only what its JSON needs (it is held by the store until read).
        events[next] = _events.Create(LoopEventTypes.Blocked, instance.OrgId, instance.LoopId, instance.AggregateId, correlation, causation, now,
            (Transition: transitionId, Actor: actor, decision.Reason, decision.Failures), BlockedFields);

        // A blocked request appends only its events: no instance, trace or idempotency write.
        await CommitAsync(new StoreCommit { OrgId = instance.OrgId, Events = events }, cancellationToken).ConfigureAwait(false);
        LoopEngineInstrumentation.Blocks.Add(1);
        if (decision.Failures.Count + decision.Warnings.Count > 0)
        {
            LoopEngineInstrumentation.GuardFailures.Add(decision.Failures.Count + decision.Warnings.Count);
        }

        if (_logger.IsEnabled(Microsoft.Extensions.Logging.LogLevel.Information))
        {
            LoopRuntimeLog.Blocked(_logger, transitionId, instance.LoopId, instance.AggregateId, ToWireName(decision.Reason), actor.Id, decision.Message ?? decision.Deferred?.Build() ?? string.Empty, correlation);
        }
        return new TransitionResult
        {
            Outcome = TransitionOutcome.Blocked,
            Instance = instance,
            BlockReason = decision.Reason,
            Message = decision.Message,
            DeferredMessage = decision.Deferred,
            GuardFailures = decision.Failures,
        };
    }

    /// <summary>Gets the reference schema's name of a block reason (<c>guard_failed</c>...).</summary>
    /// <param name="reason">The reason.</param>
    /// <returns>The wire name.</returns>
    public static string ToWireName(BlockReason reason) => reason switch
    {
        BlockReason.InvalidTransition => "invalid_transition",
        BlockReason.UnauthorizedActor => "unauthorized_actor",
        BlockReason.GuardFailed => "guard_failed",
        BlockReason.LoopClosed => "loop_closed",
        _ => "none",
    };

    private LoopEvent ApprovedEvent(LoopInstance instance, TransitionSpec transition, string toState, Actor actor, Evidence evidence, Recommendation approved, long sequence, string correlation, DateTimeOffset now) =>
        _events.Create(LoopEventTypes.RecommendationApproved, instance.OrgId, instance.LoopId, instance.AggregateId, correlation, approved.Id, now, w =>
        {
            w.WriteString("recommendationId", approved.Id);
            w.WriteString("transitionId", transition.Id);
            w.WriteString("fromState", instance.CurrentState);
            w.WriteString("toState", toState);
            EventWriter.WriteFullActor(w, "approver", actor);
            EventWriter.WriteEvidence(w, "approvalEvidence", evidence);
            EventWriter.WriteFullActor(w, "recommender", approved.Recommender);
            EventWriter.WriteEvidence(w, "recommendationEvidence", approved.Evidence);
            w.WriteNumber("sequence", sequence);
            w.WriteNumber("latencyMs", (long)(now - approved.CreatedAt).TotalMilliseconds);
        });

    private LoopEvent ErrorStateEvent(LoopInstance instance, TransitionSpec transition, string toState, Actor actor, string correlation, string? causation, DateTimeOffset now) =>
        _events.Create(LoopEventTypes.Error, instance.OrgId, instance.LoopId, instance.AggregateId, correlation, causation, now, w =>
        {
            w.WriteString("errorState", toState);
            w.WriteString("errorCode", "error_state");
            w.WriteString("errorMessage", $"Transition '{transition.Id}' moved the loop into error state {toState}.");
            EventWriter.WriteActor(w, "actor", actor);
        });

    private LoopEvent RequestedEvent(LoopInstance instance, string transitionId, Actor actor, Evidence evidence, string correlation, string? causation, DateTimeOffset now) =>
        _events.Create(LoopEventTypes.TransitionRequested, instance.OrgId, instance.LoopId, instance.AggregateId, correlation, causation, now,
            (Transition: transitionId, Actor: actor, Evidence: evidence, Now: now), RequestedFields);

    // The writers of the events every request writes. The in-memory store recognizes an event by its writer and keeps
    // it compact (written again from the trace record or the request's values when read), so each is one static instance.

    /// <summary>Writes a <c>loop.transition_requested</c> event's own fields.</summary>
    internal static readonly Action<Utf8JsonWriter, (string Transition, Actor Actor, Evidence Evidence, DateTimeOffset Now)> RequestedFields = static (w, s) =>
    {
        w.WriteString("transitionId", s.Transition);
        EventWriter.WriteActor(w, "actor", s.Actor);
        EventWriter.WriteEvidence(w, "evidence", s.Evidence);
        EventWriter.WriteTime(w, "requestedAt", s.Now);
    };

    /// <summary>Writes a <c>loop.transition_executed</c> event's own fields.</summary>
    internal static readonly Action<Utf8JsonWriter, (string From, string To, string Transition, Actor Actor, Evidence Evidence, long DurationMs)> ExecutedFields = static (w, s) =>
    {
        w.WriteString("fromState", s.From);
        w.WriteString("toState", s.To);
        w.WriteString("transitionId", s.Transition);
        EventWriter.WriteActor(w, "actor", s.Actor);
        EventWriter.WriteEvidence(w, "evidence", s.Evidence);
        w.WriteNumber("durationMs", s.DurationMs);
    };

    /// <summary>Writes a <c>loop.transition_blocked</c> event's own fields.</summary>
    internal static readonly Action<Utf8JsonWriter, (string Transition, Actor Actor, BlockReason Reason, IReadOnlyList<GuardFailure> Failures)> BlockedFields = static (w, s) =>
    {
        w.WriteString("transitionId", s.Transition);
        w.WriteString("reason", ToWireName(s.Reason));
        EventWriter.WriteActor(w, "actor", s.Actor);
        if (s.Failures.Count > 0)
        {
            w.WriteStartArray("guardFailures");
            foreach (var failure in s.Failures)
            {
                w.WriteStartObject();
                w.WriteString("guardId", failure.GuardId);
                w.WriteString("message", failure.Message);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }
    };

    private LoopEvent GuardFailedEvent(LoopInstance instance, string transitionId, GuardFailure failure, Actor actor, string correlation, string? causation, DateTimeOffset now) =>
        _events.Create(LoopEventTypes.GuardFailed, instance.OrgId, instance.LoopId, instance.AggregateId, correlation, causation, now,
            (From: instance.CurrentState, Transition: transitionId, Failure: failure, Actor: actor),
            static (w, s) =>
            {
                w.WriteString("fromState", s.From);
                w.WriteString("attemptedTransitionId", s.Transition);
                w.WriteString("guardId", s.Failure.GuardId);
                w.WriteString("guardFailureMessage", s.Failure.Message);
                w.WriteString("severity", s.Failure.Severity == GuardSeverity.Hard ? "hard" : "soft");
                EventWriter.WriteActor(w, "actor", s.Actor);
            });

    /// <summary>Hashes a transition request canonically, for idempotency comparisons.</summary>
    private static class RequestHasher
    {
        public static string Hash(TransitionRequest request, Evidence evidence)
        {
            var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
            using (var w = new Utf8JsonWriter(buffer))
            {
                w.WriteStartObject();
                w.WriteString("transitionId", request.TransitionId);
                EventWriter.WriteFullActor(w, "actor", request.Actor);
                w.WriteString("loopId", request.LoopId);
                w.WriteString("causationId", request.CausationId);
                w.WriteString("correlationId", request.CorrelationId);
                w.WriteString("expectedVersion", request.ExpectedVersion?.ToString(CultureInfo.InvariantCulture));
                w.WriteString("reasoning", request.Reasoning);
                EventWriter.WriteEvidence(w, "evidence", evidence);
                if (request.SpawnAggregateIds is { Count: > 0 } spawns)
                {
                    w.WriteStartObject("spawnAggregateIds");
                    foreach (var (loopId, aggregateId) in spawns.OrderBy(p => p.Key, StringComparer.Ordinal))
                    {
                        w.WriteString(loopId, aggregateId);
                    }

                    w.WriteEndObject();
                }

                w.WriteEndObject();
            }

            return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(buffer.WrittenSpan));
        }
    }
}
