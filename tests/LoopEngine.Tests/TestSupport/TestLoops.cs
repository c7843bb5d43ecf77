using LoopEngine;

namespace LoopEngine.Tests.TestSupport;

/// <summary>Definitions built in code for runtime tests (the page's scm.procurement 2.0.0 as ARCHITECTURE.md designs it).</summary>
internal static class TestLoops
{
    public static LoopDefinition Procurement() =>
        LoopDefinition.Create("scm.procurement", "2.0.0")
            .WithDescription("Purchase order lifecycle from confirmation to receipt and close.")
            .AddState("OPEN", s => s.Initial())
            .AddState("PO_CONFIRMED")
            .AddState("RECEIPT_SCHEDULED", s => s.WithSla(TimeSpan.FromDays(5)))
            .AddState("RECEIVED")
            .AddState("CLOSED", s => s.Terminal())
            .AddState("CANCELLED", s => s.Terminal())
            .AddState("DISPUTED", s => s.Error())
            .AddTransition("confirm_po", "OPEN", "PO_CONFIRMED", t => t.AllowActors(ActorType.Human, ActorType.Automation, ActorType.AiAgent).RequireEvidence("approved"))
            .AddTransition("schedule_receipt", "PO_CONFIRMED", "RECEIPT_SCHEDULED", t => t.AllowActors(ActorType.Automation, ActorType.Human).RequireEvidence("warehouse", "eta"))
            .AddTransition("receive", "RECEIPT_SCHEDULED", "RECEIVED", t => t.AllowActors(ActorType.Human, ActorType.Automation))
            .AddTransition("close", "RECEIVED", "CLOSED", t => t.AllowActors(ActorType.Automation, ActorType.System))
            .AddTransition("cancel", "OPEN", "CANCELLED", t => t.AllowActors(ActorType.Human))
            .AddTransition("dispute", "RECEIVED", "DISPUTED", t => t.AllowActors(ActorType.Human, ActorType.Automation))
            .WithOutcome("po_closed", "Purchase order received and closed", "po_closed", o => o.AddMetric("cycle_time", "Cycle time", "days", OutcomeMetricKind.Duration))
            .Build();

    /// <summary>A loop with a self-transition, so that every request on one aggregate can execute (for races).</summary>
    public static LoopDefinition Counter() =>
        LoopDefinition.Create("test.counter", "1.0.0")
            .AddState("COUNTING", s => s.Initial())
            .AddState("DONE", s => s.Terminal())
            .AddTransition("tick", "COUNTING", "COUNTING", t => t.AllowActors(ActorType.Automation, ActorType.Human))
            .AddTransition("finish", "COUNTING", "DONE", t => t.AllowActors(ActorType.Automation))
            .WithOutcome("counted", "Counting finished", "count")
            .Build();

    public static readonly Actor Drew = Actor.Human("drew.kim@lumebonde.co");
    public static readonly Actor Replenishment = Actor.Automation("system:replenishment");
    public static readonly Actor Warehouse = Actor.Automation("warehouse:dc-east");
    public static readonly Actor Fulfillment = Actor.Automation("system:fulfillment");
    public static readonly Actor Claude = Actor.AiAgent("agent:commerce-gateway/claude", "claude-sonnet-4", "anthropic", 0.92);
}
