using System.Globalization;
using LoopEngine;
using Scm.Replenishment;

// The page's story (ARCHITECTURE.md, "the page's story, step by step"), run on the engine with a simulated clock.
// Every figure printed below is read back from the store, not printed from constants.
var arguments = args.ToHashSet(StringComparer.Ordinal);
if (arguments.Contains("--help") || arguments.Contains("-h"))
{
    Console.WriteLine("""
        Scm.Replenishment: the Loop Engine's SCM replenishment story, end to end.

        Usage: dotnet run --project samples/Scm.Replenishment [-- options]
          --diagram   also print each loop's Mermaid diagram
          --help      show this help
        """);
    return 0;
}

var clock = new SimulatedClock(DateTimeOffset.Parse("2026-02-14T09:00:00Z", CultureInfo.InvariantCulture));
var store = new InMemoryLoopStore();
var registry = LoopCatalog.AddTo(new LoopRegistry());
var engine = new LoopRuntime(store, registry, timeProvider: clock, idGenerator: new SequentialLoopIdGenerator());
await store.SeedSequenceAsync("default", "REPLEN-2026", 41);
await store.SeedSequenceAsync("default", "PO-2026", 12);

var demandSignal = Actor.Automation("system:demand-signal");
var replenishmentEngine = Actor.Automation("system:replenishment-engine");
var drew = Actor.Human("drew.kim@lumebonde.co");
var fulfillment = Actor.Automation("system:fulfillment");
var replenishment = Actor.Automation("system:replenishment");
var agent = Actor.AiAgent("agent:commerce-gateway/claude", "claude-sonnet-4", "anthropic", 0.93);

Console.WriteLine("Loop Engine for .NET: the SCM replenishment story");
Console.WriteLine(new string('=', 60));

// scm.replenishment for REPLEN-2026-0041.
var replenId = $"REPLEN-2026-{await store.NextSequenceValueAsync("default", "REPLEN-2026"):0000}";
await engine.StartAsync(new StartLoopRequest
{
    LoopId = "scm.replenishment",
    Version = "2.0.0",
    AggregateId = replenId,
    Actor = demandSignal,
    CorrelationId = "corr_abc123",
    Evidence = Evidence.Parse("""{"signal":"DEMAND_SPIKE","sku":"BRS-001","location":"DC-East","on_hand":12,"reorder_point":50}"""),
});
clock.Set(clock.GetUtcNow().AddMinutes(2));
await Step(replenId, "recommend_replenishment", demandSignal, """{"quantity":260}""");

var poId = $"PO-2026-{await store.NextSequenceValueAsync("default", "PO-2026"):0000}";
clock.Set(DateTimeOffset.Parse("2026-02-14T09:14:00Z", CultureInfo.InvariantCulture));
await Step(replenId, "create_po", replenishmentEngine, $$"""{"supplier":"SUP-ACME","po":"{{poId}}","quantity":260}""");

// scm.procurement for PO-2026-0012, correlation corr_abc123.
clock.Set(DateTimeOffset.Parse("2026-02-14T09:14:10Z", CultureInfo.InvariantCulture));
await engine.StartAsync(new StartLoopRequest { LoopId = "scm.procurement", Version = "2.0.0", AggregateId = poId, Actor = replenishmentEngine, CorrelationId = "corr_abc123" });
clock.Set(DateTimeOffset.Parse("2026-02-14T09:14:22Z", CultureInfo.InvariantCulture));
await Step(poId, "confirm_po", drew, """{"approved":true,"method":"3-way-match"}""");
clock.Set(DateTimeOffset.Parse("2026-02-14T09:18:45Z", CultureInfo.InvariantCulture));
await Step(poId, "schedule_receipt", replenishment, """{"warehouse":"DC-East","eta":"2026-02-17"}""");
clock.Set(DateTimeOffset.Parse("2026-02-17T09:00:00Z", CultureInfo.InvariantCulture));
var recommended = await Step(poId, "receive", agent, """{"shipment_scan":"confirmed","quantity_match":true}""");

var pending = (await engine.GetInstanceAsync(poId))!;
Console.WriteLine();
Console.WriteLine($"Loop ID: {pending.LoopId}   Aggregate: {pending.AggregateId}   Current state: {pending.CurrentState}");
foreach (var recommendation in pending.PendingRecommendations)
{
    Console.WriteLine($"{recommendation.FromState} → [pending]");
    Console.WriteLine($"  actor: {recommendation.Recommender.Id}   actor_type: {recommendation.Recommender.Type.ToWireName()}");
    Console.WriteLine($"  recommended: {recommendation.TransitionId}   evidence: {recommendation.Evidence.Json}");
    Console.WriteLine("  status: awaiting human approval");
}

clock.Set(DateTimeOffset.Parse("2026-02-17T09:20:00Z", CultureInfo.InvariantCulture));
await engine.ApproveAsync(new ApprovalRequest { RecommendationId = recommended.Recommendation!.Id, Approver = drew, Evidence = Evidence.Parse("""{"approved":true}""") });
clock.Set(DateTimeOffset.Parse("2026-02-17T09:22:00Z", CultureInfo.InvariantCulture));
await Step(poId, "close", fulfillment, "{}");

// Back on scm.replenishment: goods received and stock stabilized.
clock.Set(DateTimeOffset.Parse("2026-02-17T10:00:00Z", CultureInfo.InvariantCulture));
await Step(replenId, "receive_po", drew, """{"po":"PO-2026-0012"}""");
clock.Set(DateTimeOffset.Parse("2026-02-18T10:00:00Z", CultureInfo.InvariantCulture));
await Step(replenId, "stabilize", fulfillment, """{"on_hand":272}""");

await PrintTrace(replenId);
await PrintTrace(poId);

if (arguments.Contains("--diagram"))
{
    foreach (var id in new[] { "scm.replenishment", "scm.procurement" })
    {
        Console.WriteLine();
        Console.WriteLine($"```mermaid  ({id} 2.0.0)");
        Console.WriteLine(registry.Get(id, "2.0.0").ToMermaid());
        Console.WriteLine("```");
    }
}

return 0;

async Task<TransitionResult> Step(string aggregateId, string transitionId, Actor actor, string evidence)
{
    var result = await engine.TransitionAsync(new TransitionRequest { AggregateId = aggregateId, TransitionId = transitionId, Actor = actor, Evidence = Evidence.Parse(evidence) });
    if (result.IsBlocked)
    {
        throw new InvalidOperationException($"The story expected {transitionId} on {aggregateId} to proceed: {result.Message}");
    }

    return result;
}

async Task PrintTrace(string aggregateId)
{
    var instance = (await engine.GetInstanceAsync(aggregateId))!;
    var trace = await engine.GetTraceAsync(aggregateId);
    Console.WriteLine();
    Console.WriteLine($"Loop: {instance.LoopId}   Aggregate: {aggregateId}   Status: {instance.Status}");
    Console.WriteLine("Transitions:");
    for (var i = 1; i < trace.Count; i++)
    {
        var record = trace[i];
        var by = record.Recommender is { } recommender ? $"{record.Actor.Id} - approving {recommender.Id}" : record.Actor.Id;
        Console.WriteLine($"  {record.FromState,-25} → {record.ToState,-25} {Elapsed(record.OccurredAt - trace[i - 1].OccurredAt),4} [{by}]");
    }

    Console.WriteLine($"Correlation: {instance.CorrelationId}");
    var verification = await engine.VerifyTraceAsync(aggregateId);
    Console.WriteLine($"Trace: {verification.Message}");
}

static string Elapsed(TimeSpan span) =>
    span.TotalDays >= 1 ? $"{(int)span.TotalDays}d"
    : span.TotalHours >= 1 ? $"{(int)span.TotalHours}h"
    : span.TotalMinutes >= 1 ? $"{(int)span.TotalMinutes}m"
    : $"{(int)span.TotalSeconds}s";
