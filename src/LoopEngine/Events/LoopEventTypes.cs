namespace LoopEngine;

/// <summary>
/// The event type names. Types the reference schema has keep its names and fields; the engine's own types are
/// prefixed <c>loopengine.</c> and follow the schema in <c>docs/schemas/loopengine-event.schema.json</c>.
/// </summary>
public static class LoopEventTypes
{
    /// <summary>A loop started (reference type).</summary>
    public const string Started = "loop.started";

    /// <summary>A transition was requested (reference type); it precedes <see cref="Executed"/> or <see cref="Blocked"/>.</summary>
    public const string TransitionRequested = "loop.transition.requested";

    /// <summary>A transition executed (reference type).</summary>
    public const string Executed = "loop.transition.executed";

    /// <summary>A transition was blocked (reference type).</summary>
    public const string Blocked = "loop.transition.blocked";

    /// <summary>A guard failed (reference type); soft failures carry <c>severity: soft</c>.</summary>
    public const string GuardFailed = "loop.guard.failed";

    /// <summary>A loop reached a terminal state (reference type).</summary>
    public const string Completed = "loop.completed";

    /// <summary>A loop reached an error state or was failed (reference type).</summary>
    public const string Error = "loop.error";

    /// <summary>A loop spawned a child loop (reference type).</summary>
    public const string Spawned = "loop.spawned";

    /// <summary>A signal was attached to a loop (reference type).</summary>
    public const string SignalReceived = "loop.signal.received";

    /// <summary>A loop's outcome was recorded (reference type).</summary>
    public const string OutcomeRecorded = "loop.outcome.recorded";

    /// <summary>A loop was cancelled.</summary>
    public const string Cancelled = "loopengine.loop.cancelled";

    /// <summary>A loop was migrated to another definition version.</summary>
    public const string Migrated = "loopengine.loop.migrated";

    /// <summary>A recommendation was stored, awaiting approval.</summary>
    public const string RecommendationCreated = "loopengine.recommendation.created";

    /// <summary>A recommendation was approved and its transition executed.</summary>
    public const string RecommendationApproved = "loopengine.recommendation.approved";

    /// <summary>A recommendation was rejected.</summary>
    public const string RecommendationRejected = "loopengine.recommendation.rejected";

    /// <summary>A recommendation expired.</summary>
    public const string RecommendationExpired = "loopengine.recommendation.expired";

    /// <summary>A recommendation was superseded because the loop moved on.</summary>
    public const string RecommendationSuperseded = "loopengine.recommendation.superseded";

    /// <summary>A state's SLA was breached.</summary>
    public const string SlaBreached = "loopengine.sla.breached";

    /// <summary>A signal was emitted by the signal engine.</summary>
    public const string SignalEmitted = "loopengine.signal.emitted";

    /// <summary>A signal type's threshold changed.</summary>
    public const string ThresholdChanged = "loopengine.signal.threshold_changed";

    /// <summary>An estimate changed from an outcome.</summary>
    public const string EstimateUpdated = "loopengine.estimate.updated";
}
