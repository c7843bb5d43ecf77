using LoopEngine;
using LoopEngine.Tests.TestSupport;
using LoopEngine.TestSupport;

namespace LoopEngine.Tests.Events;

/// <summary>Every event the engine writes is valid against the reference schema (reference types) or ours (loopengine.*), checked by ajv.</summary>
public sealed class EventSchemaTests
{
    private static string OurSchema => Path.Combine(InteropPaths.RepositoryRoot!, "docs", "schemas", "loopengine-event.schema.json");

    private static string ReferenceSchema => Path.Combine(InteropPaths.SchemasDirectory, "loop-event.merged.schema.json");

    [NodeFact]
    public async Task ReadEventsAsync_EveryEventTypeTheEngineWrites_ValidAgainstItsSchema()
    {
        var events = await ProduceEveryEventTypeAsync();
        var reference = events.Where(e => !e.Type.StartsWith("loopengine.", StringComparison.Ordinal)).ToList();
        var ours = events.Where(e => e.Type.StartsWith("loopengine.", StringComparison.Ordinal)).ToList();

        reference.Select(e => e.Type).Distinct().Should().BeEquivalentTo(
            LoopEventTypes.Started, LoopEventTypes.TransitionRequested, LoopEventTypes.Executed, LoopEventTypes.Blocked,
            LoopEventTypes.GuardFailed, LoopEventTypes.Completed, LoopEventTypes.Error, LoopEventTypes.Spawned);
        ours.Select(e => e.Type).Distinct().Should().BeEquivalentTo(
            LoopEventTypes.RecommendationCreated, LoopEventTypes.RecommendationApproved, LoopEventTypes.RecommendationRejected,
            LoopEventTypes.RecommendationSuperseded, LoopEventTypes.RecommendationExpired, LoopEventTypes.Cancelled,
            LoopEventTypes.SlaBreached, LoopEventTypes.Migrated);
        var referenceResults = NodeTools.Validate(ReferenceSchema, reference.Select(e => e.Json));
        var ourResults = NodeTools.Validate(OurSchema, ours.Select(e => e.Json));

        referenceResults.Select((r, i) => (reference[i].Type, r.Valid, r.Errors)).Should().OnlyContain(r => r.Valid);
        ourResults.Select((r, i) => (ours[i].Type, r.Valid, r.Errors)).Should().OnlyContain(r => r.Valid);
    }

    [NodeFact]
    public async Task Validate_EventWithWrongTypeConstantOrExtraField_Rejected()
    {
        var events = await ProduceEveryEventTypeAsync();
        var executed = events.First(e => e.Type == LoopEventTypes.Executed).Json;

        var results = NodeTools.Validate(ReferenceSchema, [
            executed,
            executed.Replace("\"loop.transition.executed\"", "\"loop.started\"", StringComparison.Ordinal),
            executed.Replace("\"transitionId\":", "\"sneaky\":1,\"transitionId\":", StringComparison.Ordinal),
        ]);

        results.Select(r => r.Valid).Should().Equal(true, false, false);
    }

    private static async Task<List<LoopEvent>> ProduceEveryEventTypeAsync()
    {
        var f = new EngineFixture(definitions:
        [
            TestLoops.Procurement(),
            LoopDefinition.Create("test.soft").AddState("A").AddState("B", s => s.Terminal())
                .AddTransition("go", "A", "B", t => t.AllowActors(ActorType.Human).AddGuard("deadline_ok", "deadline", "Deadline approaching", GuardSeverity.Soft, GuardEvaluator.External))
                .WithOutcome("done", "done", "done").Build(),
            LoopDefinition.Create("test.soft", "2.0.0").AddState("A").AddState("B", s => s.Terminal())
                .AddTransition("go", "A", "B", t => t.AllowActors(ActorType.Human))
                .WithOutcome("done", "done", "done").Build(),
            LoopDefinition.Create("test.parent").AddState("A").AddState("B", s => s.Terminal()).CanSpawn("scm.procurement")
                .AddTransition("go", "A", "B", t => t.AllowActors(ActorType.Human).Spawns("scm.procurement"))
                .WithOutcome("done", "done", "done").Build(),
        ]);
        await f.StartProcurementAsync();
        await f.RequestAsync("PO-2026-0012", "confirm_po", TestLoops.Drew, """{"method":"email"}""");          // guard_failed
        await f.RequestAsync("PO-2026-0012", "receive", TestLoops.Drew);                                      // invalid_transition
        await f.RequestAsync("PO-2026-0012", "cancel", TestLoops.Warehouse);                                  // unauthorized_actor
        await f.RequestAsync("PO-2026-0012", "confirm_po", TestLoops.Drew, """{"approved":true}""");
        await f.RequestAsync("PO-2026-0012", "schedule_receipt", TestLoops.Replenishment, """{"warehouse":"DC-East","eta":"2026-02-17"}""");
        var first = await f.RequestAsync("PO-2026-0012", "receive", TestLoops.Claude, """{"shipment_scan":"confirmed"}""");
        await f.Engine.RejectAsync(new RejectionRequest { RecommendationId = first.Recommendation!.Id, Actor = TestLoops.Drew, Reason = "scan not matched" });
        var second = await f.RequestAsync("PO-2026-0012", "receive", TestLoops.Claude, """{"shipment_scan":"confirmed","quantity_match":true}""");
        await f.Engine.ApproveAsync(new ApprovalRequest { RecommendationId = second.Recommendation!.Id, Approver = TestLoops.Drew, Evidence = Evidence.Parse("""{"approved":true}""") });
        await f.RequestAsync("PO-2026-0012", "close", TestLoops.Fulfillment);                                  // completed

        await f.StartProcurementAsync("PO-2026-0013");
        await f.RequestAsync("PO-2026-0013", "confirm_po", TestLoops.Claude, """{"approved":true}""");       // superseded below
        await f.RequestAsync("PO-2026-0013", "confirm_po", TestLoops.Drew, """{"approved":true}""");
        await f.RequestAsync("PO-2026-0013", "schedule_receipt", TestLoops.Replenishment, """{"warehouse":"DC-East","eta":"2026-02-17"}""");
        await f.RequestAsync("PO-2026-0013", "receive", TestLoops.Warehouse);
        await f.RequestAsync("PO-2026-0013", "dispute", TestLoops.Drew, """{"reason":"damaged"}""");       // loop.error

        await f.StartProcurementAsync("PO-2026-0014");
        await f.RequestAsync("PO-2026-0014", "confirm_po", TestLoops.Claude, """{"approved":true}""");
        f.Time.Advance(TimeSpan.FromDays(2));
        await f.Engine.ExpireRecommendationsAsync();                                                           // expired
        await f.Engine.CancelAsync(new EndLoopRequest { AggregateId = "PO-2026-0014", Actor = TestLoops.Drew, Reason = "supplier withdrew" });

        await f.StartProcurementAsync("PO-2026-0015");
        await f.Engine.FailAsync(new EndLoopRequest { AggregateId = "PO-2026-0015", Actor = TestLoops.Replenishment, ErrorCode = "erp_timeout", Reason = "ERP did not answer" });

        await f.StartProcurementAsync("PO-2026-0016");
        await f.RequestAsync("PO-2026-0016", "confirm_po", TestLoops.Drew, """{"approved":true}""");
        await f.RequestAsync("PO-2026-0016", "schedule_receipt", TestLoops.Replenishment, """{"warehouse":"DC-East","eta":"2026-02-17"}""");
        f.Time.Advance(TimeSpan.FromDays(6));
        await new SlaSweeper(f.Engine).SweepOnceAsync();                                                      // sla.breached

        await f.Engine.StartAsync(new StartLoopRequest { LoopId = "test.parent", AggregateId = "P-1", Actor = TestLoops.Drew });
        await f.RequestAsync("P-1", "go", TestLoops.Drew);                                                    // loop.spawned

        await f.Engine.StartAsync(new StartLoopRequest { LoopId = "test.soft", Version = "1.0.0", AggregateId = "S-2", Actor = TestLoops.Drew });
        await f.Engine.MigrateAsync(new MigrationRequest { AggregateId = "S-2", Migration = new LoopMigration("test.soft", "1.0.0", "2.0.0"), Actor = TestLoops.Drew, Reason = "drop the soft guard" }); // migrated

        await f.Engine.StartAsync(new StartLoopRequest { LoopId = "test.soft", Version = "1.0.0", AggregateId = "S-1", Actor = TestLoops.Drew });
        await f.RequestAsync("S-1", "go", TestLoops.Drew);                                                    // soft guard.failed
        return await f.EventsAsync();
    }
}
