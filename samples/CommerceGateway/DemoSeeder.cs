using LoopEngine;
using Microsoft.Extensions.Hosting;

namespace CommerceGateway;

/// <summary>
/// Opens the page's purchase order PO-2026-0012 and moves it to RECEIPT_SCHEDULED, as the page's story does before
/// the agent recommends the receipt. Runs on start, before the MCP server accepts requests; skipped when the store
/// already holds the aggregate (a persistent store from an earlier run).
/// </summary>
internal sealed class DemoSeeder(ILoopEngine engine) : IHostedService
{
    public const string AggregateId = "PO-2026-0012";

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
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

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
