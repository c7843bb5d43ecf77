namespace LoopEngine.Conformance.Stores;

/// <summary>
/// A script of engine requests whose executed transitions' requested and executed events a store may hold in its trace
/// records (the SQLite and PostgreSQL stores do), for comparing what a store reads back with the in-memory store.
/// </summary>
public static class HeldEventsScript
{
    private static readonly Actor Drew = Actor.Human("drew.kim@lumebonde.co");
    private static readonly Actor Replenishment = Actor.Automation("system:replenishment");
    private static readonly Actor Claude = Actor.AiAgent("agent:commerce-gateway/claude", "claude-sonnet-4", "anthropic", 0.92);

    /// <summary>Gets the number of executed transitions in the script whose events a store can hold (all but the approval's).</summary>
    public const int HeldPairs = 9;

    /// <summary>Describes events by every field a reader sees, one line each.</summary>
    /// <param name="events">The events.</param>
    /// <returns>The lines.</returns>
    public static IEnumerable<string> Describe(IEnumerable<LoopEvent> events) =>
        events.Select(e => $"{e.Position} {e.EventId} {e.Type} {e.OrgId} {e.LoopId} {e.AggregateId} {e.CorrelationId} {e.OccurredAt:O} {e.Json}");

    /// <summary>
    /// Runs the script: counter ticks, a procurement flow with an AI recommendation approved by a human, a blocked request and
    /// ended loops; ids from the default generator (seeded), as a host's engine makes them, or from a sequential one.
    /// </summary>
    /// <param name="store">The store.</param>
    /// <param name="defaultIds">Whether event ids come from the default generator.</param>
    /// <returns>A task.</returns>
    public static async Task RunAsync(ILoopStore store, bool defaultIds = true)
    {
        var (sequential, registry, time) = EngineOnStoreConformanceTests.CreateEngine(store);
        var engine = defaultIds ? new LoopRuntime(store, registry, null, time, new DefaultLoopIdGenerator(time, new SeededLoopRandom(42))) : sequential;
        await engine.StartAsync(new StartLoopRequest { LoopId = "test.counter", AggregateId = "C-1", Actor = Replenishment });
        for (var i = 0; i < 5; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1.2345));
            (await Request(engine, "C-1", "tick", Replenishment)).IsExecuted.Should().BeTrue();
        }

        const string po = "PO-H-1";
        await engine.StartAsync(new StartLoopRequest { LoopId = "scm.procurement", AggregateId = po, Actor = Replenishment, CorrelationId = "corr_h" });
        (await Request(engine, po, "confirm_po", Drew, """{"approved":true,"method":"3-way-match"}""")).IsExecuted.Should().BeTrue();
        (await Request(engine, po, "receive", Drew)).IsExecuted.Should().BeFalse("receive is not allowed before the receipt is scheduled");
        (await Request(engine, po, "schedule_receipt", Replenishment, """{"warehouse":"DC-East","eta":"2026-02-17"}""")).IsExecuted.Should().BeTrue();
        var pending = await Request(engine, po, "receive", Claude, """{"shipment_scan":"confirmed"}""");
        pending.IsPending.Should().BeTrue();
        time.Advance(TimeSpan.FromMinutes(20));
        (await engine.ApproveAsync(new ApprovalRequest { RecommendationId = pending.Recommendation!.Id, Approver = Drew, Evidence = Evidence.Parse("""{"approved":true}""") })).IsExecuted.Should().BeTrue();
        (await Request(engine, po, "close", Replenishment)).IsExecuted.Should().BeTrue();
        (await Request(engine, "C-1", "finish", Replenishment)).IsExecuted.Should().BeTrue();
    }

    private static ValueTask<TransitionResult> Request(LoopRuntime engine, string aggregateId, string transitionId, Actor actor, string evidence = "{}") =>
        engine.TransitionAsync(new TransitionRequest { AggregateId = aggregateId, TransitionId = transitionId, Actor = actor, Evidence = Evidence.Parse(evidence) });
}
