using LoopEngine.Tests.TestSupport;

namespace LoopEngine.Tests.Definitions;

public sealed class LoopDefinitionValidatorTests
{
    private static IReadOnlyList<DefinitionProblem> Problems(LoopDefinitionBuilder builder)
    {
        var act = () => builder.Build();
        return act.Should().Throw<LoopDefinitionException>().Which.Problems;
    }

    private static LoopDefinitionBuilder Base(string id = "test.loop") => LoopDefinition.Create(id, "1.0.0").WithDescription("d")
        .WithOutcome("done", "Done", "done");

    [Fact]
    public void Build_ValidDefinition_HasNoProblems()
    {
        TestDefinitions.Minimal().Build().States.Should().HaveCount(2);
    }

    [Fact]
    public void Build_InvalidLoopId_NamesIdAndRule()
    {
        Problems(TestDefinitions.Minimal("Scm-Procurement")).Should().ContainSingle(p => p.Path == "id")
            .Which.Message.Should().Contain("'Scm-Procurement'").And.Contain("domain.name");
    }

    [Fact]
    public void Build_InvalidVersion_NamesVersion()
    {
        Problems(TestDefinitions.Minimal(version: "1.0")).Should().ContainSingle(p => p.Path == "version")
            .Which.Message.Should().Contain("'1.0'").And.Contain("major.minor.patch");
    }

    [Fact]
    public void Build_InvalidStateId_NamesStateAndRule()
    {
        Problems(TestDefinitions.Minimal().AddState("bad-state", s => s.Terminal())).Should().Contain(p => p.Path == "states[2].id")
            .Which.Message.Should().Contain("'bad-state'").And.Contain("upper snake case");
    }

    [Fact]
    public void Build_InvalidTransitionId_NamesTransitionAndRule()
    {
        Problems(TestDefinitions.Minimal().AddTransition("Finish-Now", "OPEN", "DONE", t => t.AllowActors(ActorType.Human)))
            .Should().Contain(p => p.Path == "transitions[1].id").Which.Message.Should().Contain("'Finish-Now'").And.Contain("lower snake case");
    }

    [Fact]
    public void Build_ReservedTransitionId_IsRejected()
    {
        Problems(TestDefinitions.Minimal().AddTransition("$cancel", "OPEN", "DONE", t => t.AllowActors(ActorType.Human)))
            .Should().Contain(p => p.Path == "transitions[1].id").Which.Message.Should().Contain("reserved");
    }

    [Fact]
    public void Build_DuplicateStateId_IsReported()
    {
        Problems(TestDefinitions.Minimal().AddState("DONE", s => s.Terminal())).Should().Contain(p => p.Path == "states[2].id")
            .Which.Message.Should().Contain("State 'DONE' is declared more than once");
    }

    [Fact]
    public void Build_DuplicateTransitionId_IsReported()
    {
        Problems(TestDefinitions.Minimal().AddTransition("finish", "OPEN", "DONE", t => t.AllowActors(ActorType.Human)))
            .Should().Contain(p => p.Path == "transitions[1].id").Which.Message.Should().Contain("Transition 'finish' is declared more than once");
    }

    [Fact]
    public void Build_UnknownFromState_ListsDeclaredStates()
    {
        Problems(TestDefinitions.Minimal().AddTransition("jump", "NOWHERE", "DONE", t => t.AllowActors(ActorType.Human)))
            .Should().Contain(p => p.Path == "transitions[1].from").Which.Message.Should().Contain("'NOWHERE'").And.Contain("OPEN, DONE");
    }

    [Fact]
    public void Build_UnknownToState_ListsDeclaredStates()
    {
        Problems(TestDefinitions.Minimal().AddTransition("jump", "OPEN", "NOWHERE", t => t.AllowActors(ActorType.Human)))
            .Should().Contain(p => p.Path == "transitions[1].to").Which.Message.Should().Contain("'NOWHERE'").And.Contain("OPEN, DONE");
    }

    [Fact]
    public void Build_UnknownInitialState_ListsDeclaredStates()
    {
        Problems(TestDefinitions.Minimal().WithInitialState("START")).Should().Contain(p => p.Path == "initialState")
            .Which.Message.Should().Contain("'START'").And.Contain("OPEN, DONE");
    }

    [Fact]
    public void Build_NoStates_ReportsNoInitialState()
    {
        var problems = Problems(Base());
        problems.Should().Contain(p => p.Path == "initialState").Which.Message.Should().Contain("no initial state");
        problems.Should().Contain(p => p.Path == "states").Which.Message.Should().Contain("no states");
    }

    [Fact]
    public void Build_TerminalInitialState_IsReported()
    {
        Problems(Base().AddState("DONE", s => s.Initial().Terminal())).Should().Contain(p => p.Path == "initialState")
            .Which.Message.Should().Contain("Initial state 'DONE' is terminal");
    }

    [Fact]
    public void Build_UnreachableState_IsReported()
    {
        Problems(TestDefinitions.Minimal().AddState("ORPHAN", s => s.Terminal())).Should().ContainSingle()
            .Which.Should().Be(new DefinitionProblem("states[2]", "State 'ORPHAN' cannot be reached from the initial state 'OPEN'. Add a transition into it or remove it."));
    }

    [Fact]
    public void Build_NonTerminalDeadEnd_IsReported()
    {
        Problems(TestDefinitions.Minimal().AddState("STUCK").AddTransition("stick", "OPEN", "STUCK", t => t.AllowActors(ActorType.Human)))
            .Should().ContainSingle(p => p.Path == "states[2]").Which.Message.Should().Contain("State 'STUCK' is neither terminal nor an error state and has no transition out");
    }

    [Fact]
    public void Build_ErrorDeadEnd_IsAllowed()
    {
        var definition = TestDefinitions.Minimal().AddState("FAILED", s => s.Error()).AddTransition("fail", "OPEN", "FAILED", t => t.AllowActors(ActorType.System)).Build();
        definition.GetState("FAILED").IsError.Should().BeTrue();
    }

    [Fact]
    public void Build_NoReachableTerminalState_IsReported()
    {
        var builder = Base().AddState("A", s => s.Initial()).AddState("B")
            .AddTransition("go", "A", "B", t => t.AllowActors(ActorType.Human))
            .AddTransition("back", "B", "A", t => t.AllowActors(ActorType.Human));
        Problems(builder).Should().ContainSingle(p => p.Path == "states").Which.Message.Should().Contain("No state is terminal");
    }

    [Fact]
    public void Build_TransitionLeavesTerminalState_IsReported()
    {
        Problems(TestDefinitions.Minimal().AddTransition("reopen", "DONE", "OPEN", t => t.AllowActors(ActorType.Human)))
            .Should().Contain(p => p.Path == "transitions[1].from").Which.Message.Should().Contain("leaves terminal state 'DONE'");
    }

    [Fact]
    public void Build_EmptyAllowedActors_ListsActorTypes()
    {
        Problems(TestDefinitions.Minimal().AddTransition("skip", "OPEN", "DONE")).Should().ContainSingle(p => p.Path == "transitions[1].allowedActors")
            .Which.Message.Should().Contain("Transition 'skip' allows no actor").And.Contain("human, automation, ai-agent, webhook, system");
    }

    [Fact]
    public void Build_DuplicateGuardIds_AreReported()
    {
        Problems(TestDefinitions.Minimal().AddTransition("checked", "OPEN", "DONE", t => t.AllowActors(ActorType.Human)
                .AddGuard("approval_obtained", "a", "b").AddGuard("approval_obtained", "c", "d")))
            .Should().ContainSingle(p => p.Path == "transitions[1].guards[1].id").Which.Message.Should().Contain("Guard 'approval_obtained' appears more than once on transition 'checked'");
    }

    [Fact]
    public void Build_DuplicateMetricIds_AreReported()
    {
        var builder = TestDefinitions.Minimal().WithOutcome("done", "Done", "done", o => o.AddMetric("lead_time", "a", "days").AddMetric("lead_time", "b", "days"));
        Problems(builder).Should().ContainSingle(p => p.Path == "outcome.businessMetrics[1].id").Which.Message.Should().Contain("Metric 'lead_time' is declared more than once");
    }

    [Fact]
    public void Build_MalformedSpawnableLoopId_IsReported()
    {
        Problems(TestDefinitions.Minimal().CanSpawn("scm.procurement", "Procurement")).Should().ContainSingle(p => p.Path == "spawnableLoops[1]")
            .Which.Message.Should().Contain("'Procurement' is not a valid loop id");
    }

    [Fact]
    public void Build_SpawnNotInSpawnableLoops_ListsSpawnableLoops()
    {
        Problems(TestDefinitions.Minimal().CanSpawn("scm.other").AddTransition("spawn", "OPEN", "DONE", t => t.AllowActors(ActorType.Human).Spawns("scm.procurement")))
            .Should().ContainSingle(p => p.Path == "transitions[1].spawns[0]").Which.Message.Should().Contain("'scm.procurement'").And.Contain("(scm.other)");
    }

    [Fact]
    public void Build_SlaEscalationNotLeavingState_ListsTransitions()
    {
        var builder = LoopDefinition.Create("test.loop").WithDescription("d").WithOutcome("done", "Done", "done")
            .AddState("OPEN", s => s.Initial().WithSla(TimeSpan.FromDays(1), escalateWith: "nope"))
            .AddState("DONE", s => s.Terminal())
            .AddTransition("finish", "OPEN", "DONE", t => t.AllowActors(ActorType.Human));
        Problems(builder).Should().ContainSingle(p => p.Path == "states[0].sla.onBreach.transition").Which.Message.Should().Contain("'nope'").And.Contain("finish");
    }

    [Fact]
    public void Build_SideEffectWithoutTrigger_IsReported()
    {
        Problems(TestDefinitions.Minimal().AddTransition("notify", "OPEN", "DONE", t => t.AllowActors(ActorType.Human).AddSideEffect("email", "Send mail", " ")))
            .Should().ContainSingle(p => p.Path == "transitions[1].sideEffects[0].triggeredBy").Which.Message.Should().Contain("Side effect 'email' of transition 'notify'");
    }

    [Fact]
    public void Build_ManyProblems_ReportsEveryOneAtOnce()
    {
        var builder = LoopDefinition.Create("Bad Id", "x").WithDescription(" ")
            .AddState("OPEN", s => s.Initial()).AddState("DONE", s => s.Terminal())
            .AddTransition("finish", "OPEN", "GONE")
            .WithOutcome("done", "Done", "done");
        Problems(builder).Select(p => p.Path).Should().BeEquivalentTo("id", "version", "domain", "description", "transitions[0].to", "transitions[0].allowedActors");
    }
}
