using LoopEngine;

namespace LoopEngine.Tests;

/// <summary>The README's example, kept here so that it compiles and runs.</summary>
public sealed class ReadmeTests
{
    [Fact]
    public async Task ReadmeExample_AgentRecommendsHumanApproves_ExecutesAttributedToBoth()
    {
        var procurement = LoopDefinition.Create("scm.procurement", "2.0.0")
            .WithDescription("Purchase order lifecycle")
            .AddState("OPEN", s => s.Initial())
            .AddState("PO_CONFIRMED")
            .AddState("CLOSED", s => s.Terminal())
            .AddTransition("confirm_po", "OPEN", "PO_CONFIRMED", t => t.AllowActors(ActorType.Human, ActorType.AiAgent).RequireEvidence("approved"))
            .AddTransition("close", "PO_CONFIRMED", "CLOSED", t => t.AllowActors(ActorType.Automation))
            .WithOutcome("po_closed", "Purchase order closed", "po_closed")
            .Build();

        var engine = new LoopRuntime(new InMemoryLoopStore(), new LoopRegistry().Add(procurement));
        await engine.StartAsync(new StartLoopRequest { LoopId = "scm.procurement", AggregateId = "PO-2026-0012", Actor = Actor.Automation("system:replenishment") });

        var pending = await engine.TransitionAsync(new TransitionRequest
        {
            AggregateId = "PO-2026-0012",
            TransitionId = "confirm_po",
            Actor = Actor.AiAgent("agent:commerce-gateway/claude", "claude-sonnet-4", "anthropic", 0.92),
            Evidence = Evidence.Parse("""{"approved":true}"""),
        });

        var executed = await engine.ApproveAsync(new ApprovalRequest
        {
            RecommendationId = pending.Recommendation!.Id,
            Approver = Actor.Human("drew.kim@lumebonde.co"),
            Evidence = Evidence.Parse("""{"approved":true,"method":"3-way-match"}"""),
        });

        pending.Outcome.Should().Be(TransitionOutcome.PendingApproval);
        executed.Outcome.Should().Be(TransitionOutcome.Executed);
        executed.Record!.Actor.Id.Should().Be("drew.kim@lumebonde.co");
        executed.Record.Recommender!.Id.Should().Be("agent:commerce-gateway/claude");
        executed.Record.RecommendationEvidence!.Json.Should().Be("""{"approved":true}""");
        executed.Record.Evidence.Json.Should().Be("""{"approved":true,"method":"3-way-match"}""");
    }
}
