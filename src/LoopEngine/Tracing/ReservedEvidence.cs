namespace LoopEngine;

/// <summary>Evidence property names the engine writes into its own records; requests may not use them.</summary>
public static class ReservedEvidence
{
    /// <summary>
    /// The property of a spawned child's <c>$start</c> evidence naming its parent:
    /// <c>{"spawnedBy":{"loopId","aggregateId","sequence","transitionId","recordHash"}}</c>. <see cref="TraceReplay"/>
    /// rebuilds <see cref="LoopInstance.ParentLoopId"/> and <see cref="LoopInstance.ParentAggregateId"/> from it.
    /// </summary>
    public const string SpawnedBy = "spawnedBy";

    /// <summary>
    /// The property of a <c>$migrate</c> record's evidence describing the migration:
    /// <c>{"migration":{"fromVersion","toVersion","fromState","toState"},"reason"}</c>.
    /// </summary>
    public const string Migration = "migration";

    /// <summary>The property of an SLA escalation's evidence describing the breach: <c>{"sla":{"state","maxDwell","enteredAt","dueAt"}}</c>.</summary>
    public const string Sla = "sla";
}
