namespace LoopEngine.Tests.TestSupport;

/// <summary>Small valid definitions to start tests from.</summary>
public static class TestDefinitions
{
    /// <summary>A valid three-state loop; <paramref name="configure"/> may break it.</summary>
    public static LoopDefinitionBuilder Minimal(string id = "test.minimal", string version = "1.0.0") =>
        LoopDefinition.Create(id, version)
            .WithDescription("A minimal loop")
            .AddState("OPEN", s => s.Initial())
            .AddState("DONE", s => s.Terminal())
            .AddTransition("finish", "OPEN", "DONE", t => t.AllowActors(ActorType.Human))
            .WithOutcome("finished", "The loop finished", "finished");

    /// <summary>A valid loop that uses every metadata.loopengine setting with non-default values.</summary>
    public static LoopDefinition Rich() =>
        LoopDefinition.Create("test.rich", "3.1.4")
            .WithDescription("Uses every engine setting: \"quotes\", colons: yes, and a # hash")
            .WithPolicy(new LoopPolicy { RecommendOnly = [ActorType.AiAgent, ActorType.Webhook], Recommenders = [ActorType.AiAgent], Approvers = [ActorType.Human, ActorType.System] })
            .AddState("OPEN", s => s.Initial().WithDescription("open"))
            .AddState("REVIEW", s => s.WithSla(TimeSpan.FromHours(36), escalateWith: "escalate", raiseEvent: false))
            .AddState("WAITING", s => s.WithSla(TimeSpan.FromDays(5)))
            .AddState("DONE", s => s.Terminal())
            .AddState("FAILED", s => s.Error())
            .AddTransition("submit", "OPEN", "REVIEW", t => t.AllowActors(ActorType.Human, ActorType.AiAgent)
                .AddGuard("approval_obtained", "Needs approval", "Not approved", GuardSeverity.Hard, GuardEvaluator.External)
                .AddGuard("deadline_ok", "Deadline check", "Late", GuardSeverity.Soft, GuardEvaluator.Module)
                .AddSideEffect("notify", "Notify the buyer", "submit")
                .ApprovedBy(ActorType.Human).RequireRoles("po.submit").FourEyes(false).AiMayExecute()
                .RequireEvidence("approved", "amount").RecommendationTtl(TimeSpan.FromHours(24)).Spawns("test.child")
                .WithDescription("Submit for review"))
            .AddTransition("escalate", "REVIEW", "WAITING", t => t.AllowActors(ActorType.System))
            .AddTransition("retry", "WAITING", "WAITING", t => t.AllowActors(ActorType.Automation))
            .AddTransition("finish", "WAITING", "DONE", t => t.AllowActors(ActorType.Automation, ActorType.Webhook))
            .AddTransition("fail", "WAITING", "FAILED", t => t.AllowActors(ActorType.Automation))
            .WithOutcome("finished", "Finished", "finished", o => o
                .AddMetric("lead_time", "Lead time", "days", OutcomeMetricKind.Duration, improvableByAi: true, updates: "lead:{evidence.supplier}")
                .AddMetric("risk", "Risk", "category", OutcomeMetricKind.Category)
                .AddMetric("plain", "No kind", "units"))
            .CanSpawn("test.child")
            .AddParticipants("buyer", "true")
            .WithMetadata("other_tool", System.Text.Json.JsonDocument.Parse("""{"a":[1,2.5,"x",null,true],"b":{"c":"012"}}""").RootElement)
            .Build();
}
