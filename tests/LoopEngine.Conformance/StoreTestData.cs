namespace LoopEngine.Conformance;

/// <summary>Builds valid hash-chained trace records, instances and commits by hand, for store tests.</summary>
public static class StoreTestData
{
    /// <summary>A fixed start time (whole milliseconds, UTC).</summary>
    public static readonly DateTimeOffset T0 = new(2026, 3, 1, 8, 0, 0, 123, TimeSpan.Zero);

    /// <summary>Ids full of characters that break naive SQL and JSON handling.</summary>
    public const string HostileText = "PO-'\"; DROP TABLE instances; -- 💥 ünïcødé \\ %_ 名前";

    /// <summary>Creates a record with its hash computed.</summary>
    public static TransitionRecord Record(
        string orgId, string aggregateId, long sequence, string previousHash, string? fromState, string toState,
        DateTimeOffset occurredAt, string loopId = "scm.procurement", string transitionId = "advance", Actor? actor = null,
        Evidence? evidence = null, string? correlationId = null, string? causationId = null, IReadOnlyList<GuardWarning>? warnings = null,
        string? recommendationId = null, Actor? recommender = null, Evidence? recommendationEvidence = null)
    {
        var record = new TransitionRecord
        {
            OrgId = orgId,
            LoopId = loopId,
            DefinitionVersion = "1.0.0",
            AggregateId = aggregateId,
            Sequence = sequence,
            TransitionId = sequence == 1 ? "$start" : transitionId,
            FromState = fromState,
            ToState = toState,
            Actor = actor ?? Actor.Human("buyer@example.com"),
            OccurredAt = TraceCanonicalizer.Truncate(occurredAt),
            Evidence = evidence ?? Evidence.Parse("{\"step\":" + sequence + "}"),
            CorrelationId = correlationId ?? "corr-" + aggregateId,
            CausationId = causationId,
            Warnings = warnings ?? [],
            RecommendationId = recommendationId,
            Recommender = recommender,
            RecommendationEvidence = recommendationEvidence,
            PreviousHash = previousHash,
            Hash = string.Empty,
        };
        return record with { Hash = TraceCanonicalizer.ComputeHash(record) };
    }

    /// <summary>Creates the instance snapshot that follows a record.</summary>
    public static LoopInstance InstanceAfter(TransitionRecord record, DateTimeOffset openedAt, LoopStatus status = LoopStatus.Open,
        DateTimeOffset? closedAt = null, string? parentLoopId = null, string? parentAggregateId = null) => new()
    {
        OrgId = record.OrgId,
        LoopId = record.LoopId,
        DefinitionVersion = record.DefinitionVersion,
        AggregateId = record.AggregateId,
        CurrentState = record.ToState,
        Status = status,
        Version = record.Sequence,
        CorrelationId = record.CorrelationId,
        OpenedAt = openedAt,
        UpdatedAt = record.OccurredAt,
        ClosedAt = closedAt,
        HeadHash = record.Hash,
        ParentLoopId = parentLoopId,
        ParentAggregateId = parentAggregateId,
    };

    /// <summary>Creates an event for an aggregate.</summary>
    public static LoopEvent Event(string orgId, string aggregateId, string type = "loop.transitioned", DateTimeOffset? at = null, string loopId = "scm.procurement") => new()
    {
        EventId = Guid.NewGuid().ToString("N"),
        Type = type,
        OrgId = orgId,
        LoopId = loopId,
        AggregateId = aggregateId,
        CorrelationId = "corr-" + aggregateId,
        OccurredAt = at ?? T0,
        Json = "{\"type\":\"" + type + "\",\"note\":\"it's; -- 💥\"}",
    };

    /// <summary>Creates the commit that starts an instance: record 1, the instance at version 1 and one event.</summary>
    public static (StoreCommit Commit, LoopInstance Instance, TransitionRecord Record) Start(
        string orgId, string aggregateId, DateTimeOffset? openedAt = null, string loopId = "scm.procurement", string state = "DRAFT",
        LoopStatus status = LoopStatus.Open, DateTimeOffset? closedAt = null, string? parentAggregateId = null, string? correlationId = null,
        Actor? actor = null, Evidence? evidence = null)
    {
        var at = openedAt ?? T0;
        var record = Record(orgId, aggregateId, 1, TransitionRecord.GenesisHash, null, state, at, loopId, actor: actor, evidence: evidence, correlationId: correlationId);
        var instance = InstanceAfter(record, record.OccurredAt, status, closedAt, parentAggregateId is null ? null : "scm.parent", parentAggregateId);
        var commit = new StoreCommit
        {
            OrgId = orgId,
            Instances = [new InstanceWrite(instance, 0)],
            Records = [record],
            Events = [Event(orgId, aggregateId, "loop.started", at, loopId)],
        };
        return (commit, instance, record);
    }

    /// <summary>Creates the commit that appends one record to an instance whose last record is <paramref name="last"/>.</summary>
    public static (StoreCommit Commit, LoopInstance Instance, TransitionRecord Record) Next(
        LoopInstance current, TransitionRecord last, string toState = "NEXT", Actor? actor = null, Evidence? evidence = null,
        IdempotencyEntry? idempotency = null, LoopStatus status = LoopStatus.InProgress)
    {
        var record = Record(current.OrgId, current.AggregateId, current.Version + 1, current.HeadHash, current.CurrentState, toState,
            last.OccurredAt.AddMilliseconds(1), current.LoopId, "advance", actor, evidence, current.CorrelationId);
        var instance = current with { CurrentState = toState, Status = status, Version = record.Sequence, UpdatedAt = record.OccurredAt, HeadHash = record.Hash };
        var commit = new StoreCommit
        {
            OrgId = current.OrgId,
            Instances = [new InstanceWrite(instance, current.Version)],
            Records = [record],
            Events = [Event(current.OrgId, current.AggregateId, "loop.transitioned", record.OccurredAt, current.LoopId)],
            Idempotency = idempotency,
        };
        return (commit, instance, record);
    }

    /// <summary>Creates a recommendation.</summary>
    public static Recommendation Recommendation(string orgId, string id, string aggregateId, DateTimeOffset createdAt,
        RecommendationStatus status = RecommendationStatus.Pending, string transitionId = "approve_po", string recommenderId = "agent-1", string loopId = "scm.procurement") => new()
    {
        Id = id,
        OrgId = orgId,
        LoopId = loopId,
        AggregateId = aggregateId,
        TransitionId = transitionId,
        FromState = "DRAFT",
        InstanceVersion = 1,
        Recommender = Actor.AiAgent(recommenderId, "model-x", "provider-y", 0.8125),
        Evidence = Evidence.Parse("{\"why\":\"cheap; -- 'quoted' 💡\"}"),
        Reasoning = "because \"it's\" cheaper",
        CorrelationId = "corr-" + aggregateId,
        CreatedAt = createdAt,
        ExpiresAt = createdAt.AddHours(24),
        Status = status,
        DecidedAt = status == RecommendationStatus.Pending ? null : createdAt.AddMinutes(5),
        DecidedBy = status == RecommendationStatus.Pending ? null : Actor.Human("approver-é"),
        DecisionReason = status == RecommendationStatus.Pending ? null : "ok",
        ExecutedSequence = status == RecommendationStatus.Approved ? 2 : null,
    };

    /// <summary>Reads an instance's whole trace and its last record.</summary>
    public static async Task<(LoopInstance Instance, TransitionRecord Last)?> ReadHeadAsync(ILoopStore store, string orgId, string aggregateId)
    {
        ArgumentNullException.ThrowIfNull(store);
        var instance = await store.GetInstanceAsync(orgId, aggregateId);
        if (instance is null)
        {
            return null;
        }

        var last = await store.ReadTraceAsync(orgId, aggregateId, instance.Version, 1);
        return (instance, last.Single());
    }
}
