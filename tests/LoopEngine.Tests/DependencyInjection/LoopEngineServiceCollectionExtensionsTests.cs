using LoopEngine;
using LoopEngine.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace LoopEngine.Tests.DependencyInjection;

public sealed class LoopEngineServiceCollectionExtensionsTests
{
    [Fact]
    public async Task AddLoopEngine_LoopsAndGuardsRegistered_ResolvesWorkingEngine()
    {
        var services = new ServiceCollection();
        services.AddLoopEngine(b => b
            .AddLoop(TestLoops.Procurement())
            .AddLoop(LoopDefinition.Create("test.guarded").AddState("A").AddState("B", s => s.Terminal())
                .AddTransition("go", "A", "B", t => t.AllowActors(ActorType.Human).AddGuard("credit_ok", "credit", "no credit"))
                .WithOutcome("done", "done", "done").Build())
            .AddGuard("credit_ok", BuiltInGuards.From(a => a.Evidence.Has("credit") ? GuardResult.Pass : GuardResult.Fail())));
        services.AddLoopEngine();
        using var provider = services.BuildServiceProvider();

        var engine = provider.GetRequiredService<ILoopEngine>();
        await engine.StartAsync(new StartLoopRequest { LoopId = "test.guarded", AggregateId = "G-1", Actor = TestLoops.Drew });
        var blocked = await engine.TransitionAsync(new TransitionRequest { AggregateId = "G-1", TransitionId = "go", Actor = TestLoops.Drew });
        var executed = await engine.TransitionAsync(new TransitionRequest { AggregateId = "G-1", TransitionId = "go", Actor = TestLoops.Drew, Evidence = Evidence.Parse("""{"credit":1}""") });

        engine.GetDefinitions().Select(d => d.Key).Should().BeEquivalentTo("scm.procurement@2.0.0", "test.guarded@1.0.0");
        blocked.BlockReason.Should().Be(BlockReason.GuardFailed);
        executed.IsExecuted.Should().BeTrue();
        provider.GetServices<IHostedService>().OfType<LoopEventDispatcher>().Should().ContainSingle("calling AddLoopEngine twice is safe");
    }

    [Fact]
    public void AddLoopEngine_InvalidOptions_FailsValidationNamingTheOption()
    {
        var services = new ServiceCollection();
        services.AddLoopEngine();
        services.Configure<LoopEngineOptions>(o => o.MaxEvidenceBytes = 0);
        using var provider = services.BuildServiceProvider();

        var act = () => provider.GetRequiredService<IOptions<LoopEngineOptions>>().Value;

        act.Should().Throw<OptionsValidationException>().WithMessage("*MaxEvidenceBytes*");
    }

    [Fact]
    public void AddLoopEngine_RuntimeGuardWithoutImplementation_RefusedWhenResolved()
    {
        var services = new ServiceCollection();
        services.AddLoopEngine(b => b.AddLoop(LoopDefinition.Create("test.unguarded").AddState("A").AddState("B", s => s.Terminal())
            .AddTransition("go", "A", "B", t => t.AllowActors(ActorType.Human).AddGuard("missing_guard", "m", "m"))
            .WithOutcome("done", "done", "done").Build()));
        using var provider = services.BuildServiceProvider();

        var act = () => provider.GetRequiredService<ILoopEngine>();

        act.Should().Throw<LoopDefinitionException>().WithMessage("*missing_guard*no implementation is registered*");
    }
}
