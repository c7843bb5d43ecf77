using LoopEngine;
using LoopEngine.Learning;
using LoopEngine.Signals;
using LoopEngine.TestSupport;
using Microsoft.Extensions.Time.Testing;
using static LoopEngine.Tests.Signals.SignalTestEvents;

namespace LoopEngine.Tests;

/// <summary>
/// The page's story on the real engine (ARCHITECTURE.md, "the page's story, step by step"): raw events → DEMAND_SPIKE →
/// REPLEN-2026-0041 → PO-2026-0012 with the agent's recommendation and its approval → the outcome table → the
/// supplier's lead-time estimate read by the next loop. Every event written along the way is valid against its schema.
/// </summary>
public sealed class PageStoryTests
{
    private static readonly Actor Drew = Actor.Human("drew.kim@lumebonde.co");
    private static readonly Actor Claude = Actor.AiAgent("agent:commerce-gateway/claude", "claude-sonnet-4", "anthropic", 0.93);

    [Fact]
    public async Task PageStory_EndToEnd_ProducesThePagesLoopsTableAndEstimate()
    {
        var (events, result) = await RunStoryAsync();

        result.Signal.Type.Should().Be("DEMAND_SPIKE");
        Math.Round(result.Signal.Confidence, 2).Should().Be(0.84);
        result.Signal.AggregateId.Should().Be("REPLEN-2026-0041");
        result.Outcome.Outcome["demand"]!.Delta.Should().Be(60);
        result.Outcome.Outcome["lead_time"]!.DurationDelta.Should().Be(TimeSpan.FromDays(4));
        result.Outcome.Outcome["stockout_risk"]!.IsHit.Should().BeFalse();
        result.Estimate.Should().BeApproximately(14, 1e-9, "EWMA with alpha 0.5 moves 12 days toward 16");
        events.Select(e => e.Type).Should().Contain([LoopEventTypes.SignalEmitted, LoopEventTypes.SignalReceived, LoopEventTypes.RecommendationApproved, LoopEventTypes.Completed, LoopEventTypes.OutcomeRecorded, LoopEventTypes.EstimateUpdated]);
    }

    [NodeFact]
    public async Task PageStory_EveryEventWritten_ValidAgainstReferenceOrOurSchema()
    {
        var (events, _) = await RunStoryAsync();
        var reference = events.Where(e => !e.Type.StartsWith("loopengine.", StringComparison.Ordinal)).ToList();
        var ours = events.Where(e => e.Type.StartsWith("loopengine.", StringComparison.Ordinal)).ToList();

        var referenceResults = NodeTools.Validate(Path.Combine(InteropPaths.SchemasDirectory, "loop-event.merged.schema.json"), reference.Select(e => e.Json));
        var ourResults = NodeTools.Validate(Path.Combine(InteropPaths.RepositoryRoot!, "docs", "schemas", "loopengine-event.schema.json"), ours.Select(e => e.Json));

        referenceResults.Select((r, i) => (reference[i].Type, r.Valid, r.Errors, reference[i].Json)).Should().OnlyContain(r => r.Valid);
        ourResults.Select((r, i) => (ours[i].Type, r.Valid, r.Errors, ours[i].Json)).Should().OnlyContain(r => r.Valid);
    }

    private sealed record StoryResult(Signal Signal, OutcomeResult Outcome, double Estimate);

    private static async Task<(List<LoopEvent> Events, StoryResult Result)> RunStoryAsync()
    {
        var time = new FakeTimeProvider(T0.AddHours(1).AddMinutes(1));
        var store = new InMemoryLoopStore();
        var ids = new SequentialLoopIdGenerator();
        var registry = LoopCatalog.AddTo(new LoopRegistry());
        var engine = new LoopRuntime(store, registry, timeProvider: time, idGenerator: ids);
        await store.SeedSequenceAsync("default", "REPLEN-2026", 41);
        var signals = new SignalEngineBuilder()
            .AddSignal(ScmSignals.DemandSpike())
            .AddTrigger(ScmSignals.ReplenishmentTrigger())
            .UseReferenceData(PageReferenceData())
            .Build(new InMemorySignalStore(), engine, store, time, ids);

        var signal = (await signals.IngestAsync(PageEvents())).Signals.Single();
        var replen = signal.AggregateId!;
        async Task Step(string aggregate, string transition, Actor actor, string evidence = "{}")
        {
            time.Advance(TimeSpan.FromMinutes(5));
            var r = await engine.TransitionAsync(new TransitionRequest { AggregateId = aggregate, TransitionId = transition, Actor = actor, Evidence = Evidence.Parse(evidence) });
            r.IsExecuted.Should().BeTrue(r.Message);
        }

        await Step(replen, "recommend_replenishment", Actor.Automation("system:demand-signal"), """{"quantity":260}""");
        await Step(replen, "create_po", Actor.Automation("system:replenishment-engine"), """{"supplier":"SUP-ACME","po":"PO-2026-0012"}""");
        if (await engine.GetInstanceAsync("PO-2026-0012") is null)
        {
            await engine.StartAsync(new StartLoopRequest { LoopId = "scm.procurement", AggregateId = "PO-2026-0012", Actor = Actor.Automation("system:replenishment-engine"), CorrelationId = "corr_abc123" });
        }

        var po = "PO-2026-0012";
        await Step(po, "confirm_po", Drew, """{"approved":true,"method":"3-way-match"}""");
        await Step(po, "schedule_receipt", Actor.Automation("system:replenishment"), """{"warehouse":"DC-East","eta":"2026-02-17"}""");
        var pending = await engine.TransitionAsync(new TransitionRequest { AggregateId = po, TransitionId = "receive", Actor = Claude, Evidence = Evidence.Parse("""{"shipment_scan":"confirmed","quantity_match":true}""") });
        pending.IsPending.Should().BeTrue();
        time.Advance(TimeSpan.FromMinutes(20));
        (await engine.ApproveAsync(new ApprovalRequest { RecommendationId = pending.Recommendation!.Id, Approver = Drew, Evidence = Evidence.Parse("""{"approved":true}""") })).IsExecuted.Should().BeTrue();
        await Step(po, "close", Actor.Automation("system:fulfillment"));
        await Step(replen, "receive_po", Drew);
        await Step(replen, "stabilize", Actor.Automation("system:fulfillment"));

        var learning = new InMemoryLearningStore();
        var outcomes = new LoopOutcomes(store, learning, registry, ids, time);
        var outcome = await outcomes.RecordOutcomeAsync(new OutcomeRecord
        {
            AggregateId = replen,
            Metrics =
            [
                new OutcomeMetricValue("demand", OutcomeValue.Number(200), OutcomeValue.Number(260)),
                new OutcomeMetricValue("lead_time", OutcomeValue.Duration(TimeSpan.FromDays(12)), OutcomeValue.Duration(TimeSpan.FromDays(16))),
                new OutcomeMetricValue("stockout_risk", OutcomeValue.Category("Low"), OutcomeValue.Category("High")),
                new OutcomeMetricValue("stockout_occurred", null, OutcomeValue.Boolean(true)),
            ],
        });
        var estimate = await learning.GetEstimateAsync("default", "supplier_lead_time:SUP-ACME");

        var events = new List<LoopEvent>();
        await foreach (var e in engine.ReadEventsAsync())
        {
            events.Add(e);
        }

        return (events, new StoryResult(signal, outcome, estimate!.Value));
    }
}
