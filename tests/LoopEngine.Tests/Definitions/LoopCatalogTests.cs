using LoopEngine.TestSupport;

namespace LoopEngine.Tests.Definitions;

public sealed class LoopCatalogTests
{
    [Fact]
    public void Available_ListsPageLoops()
    {
        LoopCatalog.Available.Should().Contain(["scm.procurement@2.0.0", "scm.replenishment@2.0.0"]);
    }

    [Fact]
    public void Load_UnknownLoop_ThrowsUnknownLoopListingCatalogue()
    {
        var act = () => LoopCatalog.Load("scm.nothing");

        act.Should().Throw<UnknownLoopException>().WithMessage("*scm.procurement*scm.replenishment*");
    }

    [Fact]
    public void Load_Procurement_MatchesThePage()
    {
        var loop = LoopCatalog.Load("scm.procurement", "2.0.0");

        loop.States.Select(s => s.Id).Should().Equal("OPEN", "PO_CONFIRMED", "RECEIPT_SCHEDULED", "RECEIVED", "CLOSED", "CANCELLED", "DISPUTED");
        loop.InitialState.Should().Be("OPEN");
        loop.States.Where(s => s.IsTerminal).Select(s => s.Id).Should().Equal("CLOSED", "CANCELLED");
        loop.States.Where(s => s.IsError).Select(s => s.Id).Should().Equal("DISPUTED");
        loop.Transitions.Select(t => $"{t.Id}:{t.From}>{t.To}:{string.Join(",", t.AllowedActors.Select(a => a.ToWireName()))}:{string.Join(",", t.RequiredEvidence)}")
            .Should().Equal(
                "confirm_po:OPEN>PO_CONFIRMED:human,automation,ai-agent:approved",
                "schedule_receipt:PO_CONFIRMED>RECEIPT_SCHEDULED:automation,human:warehouse,eta",
                "receive:RECEIPT_SCHEDULED>RECEIVED:human,automation:",
                "close:RECEIVED>CLOSED:automation,system:",
                "cancel:OPEN>CANCELLED:human:",
                "dispute:RECEIVED>DISPUTED:human,automation:");
        loop.GetState("RECEIPT_SCHEDULED").Sla.Should().Be(new StateSla(TimeSpan.FromDays(5), BreachTransition: null, RaiseEvent: true));
        loop.Outcome.Id.Should().Be("po_closed");
        loop.Outcome.BusinessMetrics.Should().ContainSingle().Which.Should().Match<BusinessMetric>(m => m.Id == "cycle_time" && m.Kind == OutcomeMetricKind.Duration && m.KindUnit == "days");
        loop.Policy.Should().Be(LoopPolicy.Default);
    }

    [Fact]
    public void Load_Replenishment_MatchesThePage()
    {
        var loop = LoopCatalog.Load("scm.replenishment");

        loop.Version.Should().Be("2.0.0");
        loop.States.Select(s => s.Id).Should().Equal("LOW_STOCK_SIGNAL", "REPLENISHMENT_RECOMMENDED", "PO_CREATED", "PO_RECEIVED", "STOCK_STABILIZED", "DISMISSED", "STOCKOUT");
        loop.States.Where(s => s.IsTerminal).Select(s => s.Id).Should().Equal("STOCK_STABILIZED", "DISMISSED");
        loop.States.Where(s => s.IsError).Select(s => s.Id).Should().Equal("STOCKOUT");
        loop.Transitions.Select(t => $"{t.Id}:{t.From}>{t.To}:{string.Join(",", t.AllowedActors.Select(a => a.ToWireName()))}")
            .Should().Equal(
                "recommend_replenishment:LOW_STOCK_SIGNAL>REPLENISHMENT_RECOMMENDED:automation,ai-agent",
                "create_po:REPLENISHMENT_RECOMMENDED>PO_CREATED:automation,human",
                "dismiss:REPLENISHMENT_RECOMMENDED>DISMISSED:human",
                "receive_po:PO_CREATED>PO_RECEIVED:human",
                "stockout:PO_CREATED>STOCKOUT:automation",
                "stabilize:PO_RECEIVED>STOCK_STABILIZED:automation");
        loop.TryGetTransition("create_po", out var createPo).Should().BeTrue();
        createPo!.RequiredEvidence.Should().Equal("supplier");
        createPo.Spawns.Should().Equal("scm.procurement");
        loop.SpawnableLoops.Should().Equal("scm.procurement");
        loop.Outcome.Id.Should().Be("replenishment_closed");
        loop.Outcome.BusinessMetrics.Select(m => (m.Id, m.Kind, m.KindUnit, m.Updates)).Should().Equal(
            ("demand", OutcomeMetricKind.Number, "units", null),
            ("lead_time", OutcomeMetricKind.Duration, "days", "supplier_lead_time:{evidence.supplier}"),
            ("stockout_risk", OutcomeMetricKind.Category, null, null),
            ("stockout_occurred", OutcomeMetricKind.Boolean, null, null));
    }

    [Fact]
    public void AddTo_Twice_IsIdempotent()
    {
        var registry = LoopCatalog.AddTo(new LoopRegistry());
        LoopCatalog.AddTo(registry);

        registry.All.Select(d => d.Key).Should().Equal(LoopCatalog.Available);
    }

    [InteropFact]
    public void AddTo_WithInteropVersionOne_HoldsBothVersionsSideBySide()
    {
        var registry = LoopCatalog.AddTo(new LoopRegistry());
        registry.Add(LoopDefinitionSerializer.LoadFile(Path.Combine(InteropPaths.LoopsDirectory, "procurement.yaml")));

        registry.Versions("scm.procurement").Should().Equal("1.0.0", "2.0.0");
        registry.Get("scm.procurement").Version.Should().Be("2.0.0");
        registry.Get("scm.procurement", "1.0.0").Transitions.Should().Contain(t => t.Id == "receive_goods");
        registry.Get("scm.procurement", "2.0.0").Transitions.Should().Contain(t => t.Id == "receive");
    }
}
