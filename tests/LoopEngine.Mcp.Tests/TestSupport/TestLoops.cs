namespace LoopEngine.Mcp.Tests.TestSupport;

/// <summary>Actors of the page's story and a loop whose policy lets AI agents execute one transition.</summary>
internal static class TestLoops
{
    public static readonly Actor Drew = Actor.Human("drew.kim@lumebonde.co");
    public static readonly Actor Replenishment = Actor.Automation("system:replenishment");
    public static readonly Actor Intake = Actor.Automation("system:intake");

    /// <summary>
    /// test.triage 1.0.0: <c>triage</c> lets AI agents execute (aiMayExecute) with evidence <c>category</c>; <c>resolve</c>
    /// allows them but reserves it (they recommend, humans approve); <c>escalate</c> is human-only (agents recommend it);
    /// <c>fail</c> is automation-only, so agents may neither take nor recommend it (no permitted approver), and ends in an error state.
    /// </summary>
    public static LoopDefinition Triage() =>
        LoopDefinition.Create("test.triage", "1.0.0")
            .WithDescription("Support case triage with one transition AI agents may execute.")
            .AddState("NEW", s => s.Initial())
            .AddState("TRIAGED")
            .AddState("RESOLVED", s => s.Terminal())
            .AddState("ESCALATED", s => s.Terminal())
            .AddState("FAILED", s => s.Error())
            .AddTransition("triage", "NEW", "TRIAGED", t => t.AllowActors(ActorType.Automation, ActorType.AiAgent).AiMayExecute().RequireEvidence("category"))
            .AddTransition("fail", "NEW", "FAILED", t => t.AllowActors(ActorType.Automation))
            .AddTransition("resolve", "TRIAGED", "RESOLVED", t => t.AllowActors(ActorType.Human, ActorType.AiAgent).RecommendationTtl(TimeSpan.FromMinutes(30)))
            .AddTransition("escalate", "TRIAGED", "ESCALATED", t => t.AllowActors(ActorType.Human))
            .WithOutcome("case_closed", "Case resolved", "case")
            .Build();
}
