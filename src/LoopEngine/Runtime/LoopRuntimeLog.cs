using Microsoft.Extensions.Logging;

namespace LoopEngine;

/// <summary>The engine's log messages, source-generated.</summary>
internal static partial class LoopRuntimeLog
{
    [LoggerMessage(1, LogLevel.Information, "Loop {LoopId}@{Version} started for {AggregateId} in org {OrgId} by {ActorId} (correlation {CorrelationId})")]
    public static partial void Started(ILogger logger, string loopId, string version, string aggregateId, string orgId, string actorId, string correlationId);

    [LoggerMessage(2, LogLevel.Debug, "Transition {TransitionId} executed on {LoopId}/{AggregateId}: {FromState} -> {ToState} by {ActorId} (correlation {CorrelationId})")]
    public static partial void Executed(ILogger logger, string transitionId, string loopId, string aggregateId, string fromState, string toState, string actorId, string correlationId);

    [LoggerMessage(3, LogLevel.Information, "Transition {TransitionId} on {LoopId}/{AggregateId} blocked ({Reason}) for {ActorId}: {Message} (correlation {CorrelationId})")]
    public static partial void Blocked(ILogger logger, string transitionId, string loopId, string aggregateId, string reason, string actorId, string message, string correlationId);

    [LoggerMessage(4, LogLevel.Information, "Recommendation {RecommendationId} for {TransitionId} on {LoopId}/{AggregateId} by {ActorId} awaits approval (correlation {CorrelationId})")]
    public static partial void Recommended(ILogger logger, string recommendationId, string transitionId, string loopId, string aggregateId, string actorId, string correlationId);

    [LoggerMessage(5, LogLevel.Debug, "Version conflict on {LoopId}/{AggregateId} (attempt {Attempt}); re-evaluating")]
    public static partial void Conflict(ILogger logger, string loopId, string aggregateId, int attempt);

    [LoggerMessage(6, LogLevel.Information, "Loop {LoopId}/{AggregateId} ended with status {Status} in state {State} (correlation {CorrelationId})")]
    public static partial void Ended(ILogger logger, string loopId, string aggregateId, LoopStatus status, string state, string correlationId);

    [LoggerMessage(7, LogLevel.Information, "Recommendation {RecommendationId} on {LoopId}/{AggregateId} {Decision} by {ActorId}")]
    public static partial void Decided(ILogger logger, string recommendationId, string loopId, string aggregateId, string decision, string actorId);

    [LoggerMessage(8, LogLevel.Warning, "Event handler {Handler} failed on event {Position} ({EventType}), attempt {Attempt}; retrying in {Delay}")]
    public static partial void HandlerRetry(ILogger logger, Exception exception, string handler, long position, string eventType, int attempt, TimeSpan delay);

    [LoggerMessage(9, LogLevel.Error, "Event handler {Handler} failed on event {Position} ({EventType}) after {Attempts} attempts; the event is parked and the handler moves on")]
    public static partial void HandlerParked(ILogger logger, Exception exception, string handler, long position, string eventType, int attempts);

    [LoggerMessage(20, LogLevel.Information, "Loop {ParentLoopId}/{ParentAggregateId} (record {Sequence}) spawned {ChildLoopId}/{ChildAggregateId} (correlation {CorrelationId})")]
    public static partial void Spawned(ILogger logger, string parentLoopId, string parentAggregateId, long sequence, string childLoopId, string childAggregateId, string correlationId);

    [LoggerMessage(21, LogLevel.Warning, "SLA of state {State} breached on {LoopId}/{AggregateId}: due {DueAt}, action {Action} (correlation {CorrelationId})")]
    public static partial void SlaBreached(ILogger logger, string state, string loopId, string aggregateId, DateTimeOffset dueAt, string action, string correlationId);

    [LoggerMessage(22, LogLevel.Warning, "SLA escalation {TransitionId} on {LoopId}/{AggregateId} did not execute ({Outcome}): {Message}")]
    public static partial void EscalationNotExecuted(ILogger logger, string transitionId, string loopId, string aggregateId, TransitionOutcome outcome, string message);

    [LoggerMessage(23, LogLevel.Information, "Loop {LoopId}/{AggregateId} migrated from {FromVersion} ({FromState}) to {ToVersion} ({ToState}) by {ActorId}")]
    public static partial void Migrated(ILogger logger, string loopId, string aggregateId, string fromVersion, string fromState, string toVersion, string toState, string actorId);

    [LoggerMessage(24, LogLevel.Error, "Timer {Kind}/{Key} of {AggregateId} in org {OrgId} failed to fire (attempt {Attempt}); it fires again when its lease ends")]
    public static partial void TimerFailed(ILogger logger, Exception exception, string kind, string key, string aggregateId, string orgId, int attempt);

    [LoggerMessage(25, LogLevel.Debug, "Sweeper {Owner} fired {Fired} and dropped {Dropped} timers")]
    public static partial void Swept(ILogger logger, string owner, int fired, int dropped);

    [LoggerMessage(26, LogLevel.Information, "Definition {LoopId}@{Version} unregistered")]
    public static partial void Unregistered(ILogger logger, string loopId, string version);
}
