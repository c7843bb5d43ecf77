using LoopEngine;
using Microsoft.Extensions.DependencyInjection;

namespace LoopEngine.Tests;

/// <summary>The code of docs/getting-started.md, kept here so that it compiles and runs.</summary>
public sealed class GettingStartedTests
{
    [Fact]
    public async Task GettingStarted_YamlLoopThroughDi_RunsToClosed()
    {
        // 1. Define the loop in the reference YAML format.
        var yaml = """
            id: support.password_reset
            version: 1.0.0
            domain: support
            description: A password reset request from intake to done.
            states:
              - id: REQUESTED
              - id: VERIFIED
              - id: DONE
                isTerminal: true
            initialState: REQUESTED
            transitions:
              - id: verify
                from: REQUESTED
                to: VERIFIED
                allowedActors: [human, automation]
              - id: reset
                from: VERIFIED
                to: DONE
                allowedActors: [automation]
            outcome:
              id: password_reset
              description: Password reset completed
              valueUnit: reset
              measurable: true
            metadata:
              loopengine:
                transitions:
                  verify: { requiredEvidence: [method] }
            """;
        var definition = LoopDefinitionSerializer.LoadYaml(yaml);

        // 2. Register the engine.
        var services = new ServiceCollection();
        services.AddLoopEngine(b => b.AddLoop(definition));
        await using var provider = services.BuildServiceProvider();
        var engine = provider.GetRequiredService<ILoopEngine>();

        // 3. Open a loop and move it.
        await engine.StartAsync(new StartLoopRequest { LoopId = "support.password_reset", AggregateId = "PWR-1", Actor = Actor.Automation("system:helpdesk") });
        var blocked = await engine.TransitionAsync(new TransitionRequest { AggregateId = "PWR-1", TransitionId = "verify", Actor = Actor.Human("ana@example.com") });
        var verified = await engine.TransitionAsync(new TransitionRequest
        {
            AggregateId = "PWR-1",
            TransitionId = "verify",
            Actor = Actor.Human("ana@example.com"),
            Evidence = Evidence.Parse("""{"method":"video-call"}"""),
        });
        var done = await engine.TransitionAsync(new TransitionRequest { AggregateId = "PWR-1", TransitionId = "reset", Actor = Actor.Automation("system:idp") });

        // 4. Read the trace and verify it.
        var trace = await engine.GetTraceAsync("PWR-1");
        var verification = await engine.VerifyTraceAsync("PWR-1");

        blocked.BlockReason.Should().Be(BlockReason.GuardFailed);
        blocked.Message.Should().Contain("method");
        verified.IsExecuted.Should().BeTrue();
        done.Instance.Status.Should().Be(LoopStatus.Closed);
        trace.Select(r => r.TransitionId).Should().Equal("$start", "verify", "reset");
        verification.IsValid.Should().BeTrue();
    }
}
