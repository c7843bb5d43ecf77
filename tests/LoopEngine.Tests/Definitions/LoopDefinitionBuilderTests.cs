using LoopEngine.Tests.TestSupport;

namespace LoopEngine.Tests.Definitions;

public sealed class LoopDefinitionBuilderTests
{
    [Fact]
    public void Build_FluentDefinition_SetsEveryField()
    {
        var definition = TestDefinitions.Rich();

        definition.Key.Should().Be("test.rich@3.1.4");
        definition.Domain.Should().Be("test");
        definition.InitialState.Should().Be("OPEN");
        definition.GetState("REVIEW").Sla.Should().Be(new StateSla(TimeSpan.FromHours(36), "escalate", RaiseEvent: false));
        definition.TryGetTransition("submit", out var submit).Should().BeTrue();
        submit!.AllowedActors.Should().Equal(ActorType.Human, ActorType.AiAgent);
        submit.Approvers.Should().Equal(ActorType.Human);
        submit.RequiredEvidence.Should().Equal("approved", "amount");
        submit.RecommendationTtl.Should().Be(TimeSpan.FromHours(24));
        submit.FourEyes.Should().BeFalse();
        submit.AiMayExecute.Should().BeTrue();
        definition.TransitionsFrom("WAITING").Select(t => t.Id).Should().Equal("retry", "finish", "fail");
        definition.Outcome.BusinessMetrics[0].Kind.Should().Be(OutcomeMetricKind.Duration);
    }

    [Fact]
    public void Build_CalledTwice_ThrowsInvalidOperationException()
    {
        var builder = TestDefinitions.Minimal();
        builder.Build();

        var again = () => builder.Build();

        again.Should().Throw<InvalidOperationException>().WithMessage("*single-use*");
    }

    [Fact]
    public void Build_AfterFailedBuild_StillSingleUse()
    {
        var builder = TestDefinitions.Minimal("BAD");
        builder.Invoking(b => b.Build()).Should().Throw<LoopDefinitionException>();

        builder.Invoking(b => b.Build()).Should().Throw<InvalidOperationException>();
    }

    [Fact]
    public void Build_BuiltDefinition_IsImmutable()
    {
        var actors = new[] { ActorType.Human };
        var builder = LoopDefinition.Create("test.immutable").WithDescription("d")
            .AddState("OPEN").AddState("DONE", s => s.Terminal())
            .AddTransition("finish", "OPEN", "DONE", t => t.AllowActors(actors))
            .WithOutcome("done", "Done", "done");
        var definition = builder.Build();

        actors[0] = ActorType.System;
        builder.AddState("LATER");

        definition.Transitions[0].AllowedActors.Should().Equal(ActorType.Human);
        definition.States.Should().HaveCount(2);
        definition.States.Should().NotBeAssignableTo<IList<StateSpec>>();
        definition.Transitions.Should().NotBeAssignableTo<IList<TransitionSpec>>();
        definition.Transitions[0].AllowedActors.Should().NotBeAssignableTo<IList<ActorType>>();
        var metadata = definition.Metadata as IDictionary<string, System.Text.Json.JsonElement>;
        metadata?.Invoking(m => m.Add("x", default)).Should().Throw<NotSupportedException>();
    }

    [Fact]
    public void Equals_SameContentBuiltTwice_AreEqual()
    {
        var a = TestDefinitions.Rich();
        var b = TestDefinitions.Rich();

        a.Should().Be(b);
        a.GetHashCode().Should().Be(b.GetHashCode());
        a.Should().NotBe(TestDefinitions.Minimal().Build());
    }

    [Fact]
    public void WithMetadata_LoopEngineKey_IsRejected()
    {
        var act = () => TestDefinitions.Minimal().WithMetadata("loopengine", default);

        act.Should().Throw<ArgumentException>().WithMessage("*reserved*");
    }
}
