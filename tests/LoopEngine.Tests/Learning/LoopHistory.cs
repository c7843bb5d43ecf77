using LoopEngine;

namespace LoopEngine.Tests.Learning;

/// <summary>One executed step of a generated trace.</summary>
internal sealed record Step(string Transition, string From, string To, Actor Actor, TimeSpan After, Evidence? Evidence = null, Actor? Recommender = null, string? RecommendationId = null);

/// <summary>Writes loops into a store the way the engine commits them (instance, trace records, events), for tests that need no engine.</summary>
internal sealed class LoopHistory(InMemoryLoopStore store, string orgId = "default")
{
    private long _eventId;

    public InMemoryLoopStore Store => store;

    public async Task<LoopInstance> AddAsync(
        string loopId, string aggregateId, DateTimeOffset openedAt, string initialState, IReadOnlyList<Step> steps, LoopStatus status,
        Evidence? startEvidence = null, string? causationId = null, bool slaBreached = false, int blockedRequests = 0,
        IReadOnlyList<Recommendation>? recommendations = null)
    {
        var records = new List<TransitionRecord>();
        var events = new List<LoopEvent>();
        var at = openedAt;
        records.Add(Record(loopId, aggregateId, 1, "$start", null, initialState, Actor.System("engine"), at, startEvidence ?? Evidence.Empty, causationId, null, null));
        events.Add(Event(LoopEventTypes.Started, loopId, aggregateId, at));
        for (var b = 0; b < blockedRequests; b++)
        {
            events.Add(Event(LoopEventTypes.TransitionRequested, loopId, aggregateId, at));
            events.Add(Event(LoopEventTypes.Blocked, loopId, aggregateId, at));
        }

        var state = initialState;
        foreach (var s in steps)
        {
            at += s.After;
            records.Add(Record(loopId, aggregateId, records.Count + 1, s.Transition, s.From, s.To, s.Actor, at, s.Evidence ?? Evidence.Empty, null, s.Recommender, s.RecommendationId));
            events.Add(Event(LoopEventTypes.TransitionRequested, loopId, aggregateId, at));
            events.Add(Event(LoopEventTypes.Executed, loopId, aggregateId, at));
            state = s.To;
        }

        foreach (var r in recommendations ?? [])
        {
            // As the engine does: every recommendation is announced, and so is its decision.
            events.Add(Event(LoopEventTypes.RecommendationCreated, loopId, aggregateId, r.CreatedAt));
            if (r is { Status: RecommendationStatus.Approved or RecommendationStatus.Rejected, DecidedAt: { } decided })
            {
                events.Add(Event(r.Status == RecommendationStatus.Approved ? LoopEventTypes.RecommendationApproved : LoopEventTypes.RecommendationRejected, loopId, aggregateId, decided));
            }
        }

        if (slaBreached)
        {
            events.Add(Event(LoopEventTypes.SlaBreached, loopId, aggregateId, at));
        }

        var ended = status is LoopStatus.Closed or LoopStatus.Error or LoopStatus.Cancelled;
        if (ended)
        {
            events.Add(Event(status switch { LoopStatus.Closed => LoopEventTypes.Completed, LoopStatus.Error => LoopEventTypes.Error, _ => LoopEventTypes.Cancelled }, loopId, aggregateId, at));
        }

        var instance = new LoopInstance
        {
            OrgId = orgId,
            LoopId = loopId,
            DefinitionVersion = "1.0.0",
            AggregateId = aggregateId,
            CurrentState = state,
            Status = status,
            Version = records.Count,
            CorrelationId = "corr_" + aggregateId,
            OpenedAt = openedAt,
            UpdatedAt = at,
            ClosedAt = ended ? at : null,
            HeadHash = records[^1].Hash,
        };
        var result = await store.CommitAsync(new StoreCommit
        {
            OrgId = orgId,
            Instances = [new InstanceWrite(instance, 0)],
            Records = records,
            Events = events,
            Recommendations = recommendations ?? [],
        });
        result.IsCommitted.Should().BeTrue();
        return instance;
    }

    private TransitionRecord Record(string loopId, string aggregateId, long sequence, string transition, string? from, string to, Actor actor, DateTimeOffset at, Evidence evidence, string? causation, Actor? recommender, string? recommendationId) => new()
    {
        OrgId = orgId,
        LoopId = loopId,
        DefinitionVersion = "1.0.0",
        AggregateId = aggregateId,
        Sequence = sequence,
        TransitionId = transition,
        FromState = from,
        ToState = to,
        Actor = actor,
        OccurredAt = at,
        Evidence = evidence,
        CorrelationId = "corr_" + aggregateId,
        CausationId = causation,
        Recommender = recommender,
        RecommendationId = recommendationId,
        PreviousHash = TransitionRecord.GenesisHash,
        Hash = $"{aggregateId}-{sequence}",
    };

    private LoopEvent Event(string type, string loopId, string aggregateId, DateTimeOffset at) => new()
    {
        EventId = $"evt-{++_eventId}",
        Type = type,
        OrgId = orgId,
        LoopId = loopId,
        AggregateId = aggregateId,
        CorrelationId = "corr_" + aggregateId,
        OccurredAt = at,
        Json = "{}",
    };
}
