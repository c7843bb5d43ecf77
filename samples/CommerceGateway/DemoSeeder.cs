using LoopEngine;
using LoopEngine.Signals;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace CommerceGateway;

/// <summary>
/// Opens the page's purchase order PO-2026-0012 and moves it to RECEIPT_SCHEDULED, as the page's story does before
/// the agent recommends the receipt, and ingests the page's three raw events for BRS-001 at DC-East, which emit
/// DEMAND_SPIKE (confidence 0.84) and open scm.replenishment REPLEN-2026-0041. Runs on start, before the MCP server
/// accepts requests; skipped when the store already holds the aggregate (a persistent store from an earlier run).
/// </summary>
internal sealed class DemoSeeder(ILoopEngine engine, ILoopStore store, ISignalEngine signals, IOptions<SignalEngineOptions> signalOptions) : IHostedService
{
    public const string AggregateId = "PO-2026-0012";

    private static readonly DateTimeOffset PageTime = new(2026, 2, 14, 8, 0, 0, TimeSpan.Zero);

    /// <summary>The page's reference data: reorder point 50 and baseline daily demand 300 for BRS-001 at DC-East.</summary>
    public static InMemoryReferenceData PageReferenceData() => new InMemoryReferenceData()
        .Set("reorder_point", 50, ("sku", "BRS-001"), ("location", "DC-East"))
        .Set("baseline_daily_demand", 300, ("sku", "BRS-001"), ("location", "DC-East"));

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (await engine.GetInstanceAsync(AggregateId, cancellationToken: cancellationToken) is not null)
        {
            return;
        }

        await engine.StartAsync(
            new StartLoopRequest { LoopId = "scm.procurement", Version = "2.0.0", AggregateId = AggregateId, Actor = Actor.Automation("system:replenishment"), CorrelationId = "corr_abc123" },
            cancellationToken);
        await MoveAsync("confirm_po", Actor.Human("drew.kim@lumebonde.co"), """{"approved": true, "method": "3-way-match"}""", cancellationToken);
        await MoveAsync("schedule_receipt", Actor.Automation("system:replenishment"), """{"warehouse": "DC-East", "eta": "2026-02-17"}""", cancellationToken);

        await store.SeedSequenceAsync(signalOptions.Value.OrgId, "REPLEN-2026", 41, cancellationToken);
        await signals.IngestAsync(
            [
                Event("e1", "sale_recorded", PageTime, """{"qty":847}""", ("sku", "BRS-001"), ("location", "DC-East")),
                Event("e2", "shipment_delayed", PageTime.AddMinutes(30), """{"eta_delay_days":4}""", ("carrier", "FedEx"), ("location", "DC-East")),
                Event("e3", "stock_movement", PageTime.AddHours(1), """{"on_hand":12}""", ("sku", "BRS-001"), ("location", "DC-East")),
            ],
            cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static RawEvent Event(string id, string type, DateTimeOffset at, string payload, params (string Key, string Value)[] keys) =>
        RawEvent.Create(id, type, at, keys.ToDictionary(k => k.Key, k => k.Value, StringComparer.Ordinal), payload);

    private async Task MoveAsync(string transitionId, Actor actor, string evidence, CancellationToken cancellationToken)
    {
        var result = await engine.TransitionAsync(
            new TransitionRequest { AggregateId = AggregateId, TransitionId = transitionId, Actor = actor, Evidence = Evidence.Parse(evidence) },
            cancellationToken);
        if (!result.IsExecuted)
        {
            throw new InvalidOperationException($"Seeding {AggregateId} failed at '{transitionId}': {result.Outcome} {result.Message}");
        }
    }
}
