using LoopEngine.Tests.TestSupport;

namespace LoopEngine.Tests.Diagrams;

public sealed class LoopDiagramsTests
{
    private static string Expected(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Diagrams", "Expected", name)).ReplaceLineEndings("\n");

    [Theory]
    [InlineData("scm.procurement", "2.0.0")]
    [InlineData("scm.replenishment", "2.0.0")]
    public void ToMermaid_CatalogLoop_MatchesExpected(string loopId, string version)
    {
        LoopCatalog.Load(loopId, version).ToMermaid().Should().Be(Expected($"{loopId}.{version}.mmd"));
    }

    [Theory]
    [InlineData("scm.procurement", "2.0.0")]
    [InlineData("scm.replenishment", "2.0.0")]
    public void ToDot_CatalogLoop_MatchesExpected(string loopId, string version)
    {
        LoopCatalog.Load(loopId, version).ToDot().Should().Be(Expected($"{loopId}.{version}.dot"));
    }

    [Fact]
    public void ToMermaid_GuardsAndSelfLoop_AreShown()
    {
        var mermaid = TestDefinitions.Rich().ToMermaid();

        mermaid.Should().Be(Expected("test.rich.3.1.4.mmd"));
        mermaid.Should().Contain("OPEN --> REVIEW : submit [approval_obtained, deadline_ok (soft)] (human, ai-agent)");
        mermaid.Should().Contain("WAITING --> WAITING : retry (automation)");
    }

    [Fact]
    public void ToDot_RichDefinition_MatchesExpected()
    {
        TestDefinitions.Rich().ToDot().Should().Be(Expected("test.rich.3.1.4.dot"));
    }

    [Fact]
    public void ToMermaid_CalledTwice_IsDeterministic()
    {
        TestDefinitions.Rich().ToMermaid().Should().Be(TestDefinitions.Rich().ToMermaid());
    }

    [Fact]
    public async Task Configure_Definition_FiresTransitionsThroughExternalState()
    {
        var definition = LoopCatalog.Load("scm.procurement");
        var state = definition.InitialState;
        var machine = StatelessMachineFactory.Configure(definition, () => state, s => state = s);

        await machine.FireAsync("confirm_po");

        state.Should().Be("PO_CONFIRMED");
        (await machine.GetPermittedTriggersAsync()).Should().Equal("schedule_receipt");
        machine.CanFire("close").Should().BeFalse();
    }
}
