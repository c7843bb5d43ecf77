using System.Globalization;

namespace LoopEngine;

public sealed partial class LoopRuntime
{
    /// <summary>The automation actor that runs SLA escalation transitions.</summary>
    public static readonly Actor SlaActor = Actor.Automation("system:sla");

    /// <summary>Gets the store's timers, or <see langword="null"/> when the store keeps none (then no SLA or expiry timer is scheduled).</summary>
    public ITimerStore? TimerStore => _store as ITimerStore;

    private IReadOnlyList<TimerChange> TimersIfSupported(IReadOnlyList<TimerChange>? timers) => _store is ITimerStore && timers is not null ? timers : [];

    /// <summary>Schedules the SLA timer of the state <paramref name="instance"/> is in, if it has one and the loop is running.</summary>
    private static void AddSlaTimer(List<TimerChange> timers, LoopDefinition definition, LoopInstance instance)
    {
        if (SlaTimer(definition, instance) is { } timer)
        {
            timers.Add(timer);
        }
    }

    /// <summary>Whether the definition declares an SLA for a state, so that entering it scheduled an SLA timer.</summary>
    private static bool HasSla(LoopDefinition definition, string stateId) => definition.TryGetState(stateId, out var state) && state.Sla is not null;

    /// <summary>The SLA timer of the state <paramref name="instance"/> is in, or <see langword="null"/> when it has none or the loop ended.</summary>
    private static TimerChange? SlaTimer(LoopDefinition definition, LoopInstance instance)
    {
        if (instance.IsEnded || !definition.TryGetState(instance.CurrentState, out var state) || state.Sla is not { } sla)
        {
            return null;
        }

        return TimerChange.Schedule(new LoopTimer
        {
            OrgId = instance.OrgId,
            AggregateId = instance.AggregateId,
            LoopId = instance.LoopId,
            Kind = TimerKinds.Sla,
            Key = SlaKey(instance.CurrentState, instance.Version),
            DueAt = instance.UpdatedAt + sla.MaxDwell,
            InstanceVersion = instance.Version,
            State = instance.CurrentState,
        });
    }

    private static string SlaKey(string state, long version) => string.Concat(state, "@", version.ToString(CultureInfo.InvariantCulture));

    /// <summary>
    /// Cancels the engine's timers that can exist for an aggregate leaving its state: its SLA timer if that state declares an
    /// SLA in <paramref name="definition"/> (the version it was entered under, which scheduled the timer), its recommendations'
    /// expiry timers if any are pending. A stale expiry timer left behind is dropped when it fires. Allocates the list only
    /// when there is something to cancel.
    /// </summary>
    private static void CancelEngineTimers(ref List<TimerChange>? timers, LoopDefinition definition, LoopInstance instance)
    {
        if (HasSla(definition, instance.CurrentState))
        {
            (timers ??= new List<TimerChange>(3)).Add(TimerChange.Cancel(instance.AggregateId, TimerKinds.Sla));
        }

        if (instance.PendingRecommendationCount > 0)
        {
            (timers ??= new List<TimerChange>(3)).Add(TimerChange.Cancel(instance.AggregateId, TimerKinds.RecommendationExpiry));
        }
    }

    /// <summary>
    /// Fires one stored timer: for an SLA, if the loop still dwells in the timer's state at the timer's version, records the
    /// breach (<c>loopengine.sla.breached</c>, at most once per state entry) and runs the escalation transition as
    /// <see cref="SlaActor"/> with the timer's version as the expected version; for a recommendation expiry, expires the
    /// recommendation if it is still pending. Anything else is dropped. Safe to call again for the same timer.
    /// </summary>
    /// <param name="timer">The timer (as claimed from the <see cref="ITimerStore"/>).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Whether the timer's action ran or the timer was dropped.</returns>
    public async ValueTask<TimerFiring> FireTimerAsync(LoopTimer timer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(timer);
        return timer.Kind switch
        {
            TimerKinds.Sla => await FireSlaAsync(timer, cancellationToken).ConfigureAwait(false),
            TimerKinds.RecommendationExpiry => await FireExpiryAsync(timer, cancellationToken).ConfigureAwait(false),
            _ => TimerFiring.Dropped,
        };
    }

    private async ValueTask<TimerFiring> FireExpiryAsync(LoopTimer timer, CancellationToken cancellationToken)
    {
        var recommendation = await _store.GetRecommendationAsync(timer.OrgId, timer.Key, cancellationToken).ConfigureAwait(false);
        var now = Now();
        if (recommendation is null || recommendation.Status != RecommendationStatus.Pending || recommendation.ExpiresAt > now)
        {
            return TimerFiring.Dropped;
        }

        var instance = await _store.GetInstanceAsync(timer.OrgId, recommendation.AggregateId, cancellationToken).ConfigureAwait(false);
        return instance is not null && await ExpireAsync(instance, recommendation, now, cancellationToken).ConfigureAwait(false) ? TimerFiring.Fired : TimerFiring.Dropped;
    }

    private async ValueTask<TimerFiring> FireSlaAsync(LoopTimer timer, CancellationToken cancellationToken)
    {
        var instance = await _store.GetInstanceAsync(timer.OrgId, timer.AggregateId, cancellationToken).ConfigureAwait(false);
        if (instance is null || instance.IsEnded || instance.Version != timer.InstanceVersion || !string.Equals(instance.CurrentState, timer.State, StringComparison.Ordinal))
        {
            return TimerFiring.Dropped;
        }

        var definition = GetCompiled(instance.LoopId, instance.DefinitionVersion).Definition;
        if (!definition.TryGetState(instance.CurrentState, out var state) || state.Sla is not { } sla)
        {
            return TimerFiring.Dropped;
        }

        var now = Now();
        var dueAt = instance.UpdatedAt + sla.MaxDwell;
        var action = sla.BreachTransition is null ? "event" : "transition";
        if (sla.RaiseEvent)
        {
            var breached = _events.Create(LoopEventTypes.SlaBreached, instance.OrgId, instance.LoopId, instance.AggregateId, instance.CorrelationId, SpawnCausationId(instance.AggregateId, instance.Version), now, w =>
            {
                w.WriteString("state", instance.CurrentState);
                w.WriteString("maxDwell", IsoDuration.Format(sla.MaxDwell));
                w.WriteString("enteredAt", TraceCanonicalizer.FormatTime(instance.UpdatedAt));
                w.WriteString("dueAt", TraceCanonicalizer.FormatTime(dueAt));
                w.WriteNumber("instanceVersion", instance.Version);
                w.WriteString("action", action);
                if (sla.BreachTransition is not null)
                {
                    w.WriteString("breachTransitionId", sla.BreachTransition);
                }
            });
            var result = await CommitAsync(new StoreCommit
            {
                OrgId = instance.OrgId,
                Events = [breached],

                // One breach per state entry, even when a lease lapses and the timer fires again.
                Idempotency = new IdempotencyEntry
                {
                    OrgId = instance.OrgId,
                    AggregateId = instance.AggregateId,
                    Key = "$sla:" + SlaKey(instance.CurrentState, instance.Version),
                    RequestHash = LoopEventTypes.SlaBreached,
                    CreatedAt = now,
                },
            }, cancellationToken).ConfigureAwait(false);
            if (result.IsCommitted)
            {
                LoopEngineInstrumentation.SlaBreaches.Add(1);
                LoopRuntimeLog.SlaBreached(_logger, instance.CurrentState, instance.LoopId, instance.AggregateId, dueAt, action, instance.CorrelationId);
            }
        }

        if (sla.BreachTransition is { } escalation)
        {
            var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
            using (var w = new System.Text.Json.Utf8JsonWriter(buffer))
            {
                w.WriteStartObject();
                w.WriteStartObject(ReservedEvidence.Sla);
                w.WriteString("state", instance.CurrentState);
                w.WriteString("maxDwell", IsoDuration.Format(sla.MaxDwell));
                w.WriteString("enteredAt", TraceCanonicalizer.FormatTime(instance.UpdatedAt));
                w.WriteString("dueAt", TraceCanonicalizer.FormatTime(dueAt));
                w.WriteEndObject();
                w.WriteEndObject();
            }

            var evidence = Evidence.ParseUtf8(buffer.WrittenSpan);
            var outcome = await TransitionAsync(new TransitionRequest
            {
                OrgId = instance.OrgId,
                AggregateId = instance.AggregateId,
                LoopId = instance.LoopId,
                TransitionId = escalation,
                Actor = SlaActor,
                Evidence = evidence,
                ExpectedVersion = instance.Version,
                CausationId = SpawnCausationId(instance.AggregateId, instance.Version),
            }, cancellationToken).ConfigureAwait(false);
            if (outcome.Outcome == TransitionOutcome.VersionConflict)
            {
                return TimerFiring.Dropped;
            }

            if (outcome.Outcome != TransitionOutcome.Executed)
            {
                LoopRuntimeLog.EscalationNotExecuted(_logger, escalation, instance.LoopId, instance.AggregateId, outcome.Outcome, outcome.Message ?? string.Empty);
            }
        }

        return TimerFiring.Fired;
    }
}
