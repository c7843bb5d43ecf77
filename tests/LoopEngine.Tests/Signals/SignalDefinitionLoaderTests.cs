using LoopEngine.Signals;
using static LoopEngine.Tests.Signals.SignalTestEvents;

namespace LoopEngine.Tests.Signals;

public sealed class SignalDefinitionLoaderTests
{
    private const string DemandSpikeJson = """
        {
          "signals": [
            {
              "type": "DEMAND_SPIKE",
              "subject": ["sku", "location"],
              "features": {
                "units_24h": "sum(sale_recorded.qty) over 24h",
                "on_hand": "last(stock_movement.on_hand)",
                "reorder_point": "ref(reorder_point)",
                "baseline_daily_demand": "ref(baseline_daily_demand)",
                "delay_days": { "expr": "max(shipment_delayed.eta_delay_days) over 7d by location", "default": 0 }
              },
              "rule": {
                "kind": "weighted",
                "components": [
                  { "kind": "shortfall", "weight": 0.5, "feature": "on_hand", "reference": "reorder_point" },
                  { "kind": "excess", "weight": 0.3, "feature": "units_24h", "baseline": "baseline_daily_demand", "saturationRatio": 2.5 },
                  { "kind": "scaled", "weight": 0.2, "feature": "delay_days", "fullScale": 5 }
                ]
              },
              "threshold": 0.7,
              "cooldown": "1h",
              "attributes": ["on_hand", "reorder_point"],
              "calibration": { "targetPrecision": 0.8, "minSamples": 20 }
            }
          ]
        }
        """;

    private const string DemandSpikeYaml = """
        signals:
          - type: DEMAND_SPIKE
            subject: [sku, location]
            features:
              units_24h: sum(sale_recorded.qty) over 24h
              on_hand: last(stock_movement.on_hand)
              reorder_point: ref(reorder_point)
              baseline_daily_demand: ref(baseline_daily_demand)
              delay_days: { expr: "max(shipment_delayed.eta_delay_days) over 7d by location", default: 0 }
            rule:
              kind: weighted
              components:
                - { kind: shortfall, weight: 0.5, feature: on_hand, reference: reorder_point }
                - { kind: excess, weight: 0.3, feature: units_24h, baseline: baseline_daily_demand, saturationRatio: 2.5 }
                - { kind: scaled, weight: 0.2, feature: delay_days, fullScale: 5 }
            threshold: 0.7
            cooldown: 1h
            attributes: [on_hand, reorder_point]
        """;

    [Fact]
    public async Task LoadJson_PageDefinition_ScoresLikeTheCodeDefinition()
    {
        var definition = SignalDefinitionLoader.LoadJson(DemandSpikeJson).Single();
        var engine = new SignalEngineBuilder().AddSignal(definition).UseReferenceData(PageReferenceData()).Build();

        var signal = (await engine.IngestAsync(PageEvents())).Signals.Single();

        var fromCode = (await new SignalEngineBuilder().AddSignal(ScmSignals.DemandSpike()).UseReferenceData(PageReferenceData()).Build().IngestAsync(PageEvents())).Signals.Single();
        signal.Confidence.Should().Be(fromCode.Confidence);
        definition.Cooldown.Should().Be(TimeSpan.FromHours(1));
        definition.Calibration.MinSamples.Should().Be(20);
    }

    [Fact]
    public async Task LoadYaml_PageDefinition_ScoresLikeTheCodeDefinition()
    {
        var definition = SignalDefinitionLoader.LoadYaml(DemandSpikeYaml).Single();
        var engine = new SignalEngineBuilder().AddSignal(definition).UseReferenceData(PageReferenceData()).Build();

        var signal = (await engine.IngestAsync(PageEvents())).Signals.Single();

        Math.Round(signal.Confidence, 2).Should().Be(0.84);
        definition.Features.Single(f => f.Name == "delay_days").GroupBy.Should().Equal("location");
    }

    [Theory]
    [InlineData("""{"signals":[{"type":"X","subject":["sku"],"features":{"f":"last(e.v)"},"rule":{"kind":"dwell","feature":"f","sla":1},"colour":"red"}]}""", "$.signals[0].colour: unknown key")]
    [InlineData("""{"signals":[{"type":"X","subject":["sku"],"features":{"f":"last(e.v)"},"rule":{"kind":"magic"}}]}""", "$.signals[0].rule.kind: 'magic'")]
    [InlineData("""{"signals":[{"type":"X","subject":["sku"],"features":{"f":"sum(e.v) over 3 parsecs"},"rule":{"kind":"dwell","feature":"f","sla":1}}]}""", "$.signals[0].features.f:")]
    [InlineData("""{"signals":[{"type":"X","subject":["sku"],"features":{"f":"last(e.v)"},"rule":{"kind":"dwell","feature":"g","sla":1}}]}""", "$.signals[0].rule: the rule reads feature 'g'")]
    [InlineData("""{"signals":[{"type":"X","subject":["sku"],"features":{"f":"last(e.v)"},"rule":{"kind":"dwell","feature":"f","sla":1},"threshold":"high"}]}""", "$.signals[0].threshold: expected a number")]
    [InlineData("""{"signals":[{"type":"X","subject":["sku"],"features":{"f":"last(e.v)"},"rule":{"kind":"weighted","components":[{"kind":"scaled","weight":0.5,"feature":"f","fullScale":1}]}}]}""", "$.signals[0].rule: the weights sum to 0.5")]
    [InlineData("""{"signals":[{"type":"X","subject":["sku"],"features":{"f":"last(e.v)"},"rule":{"kind":"dwell","feature":"f","sla":1},"calibration":{"target":0.8}}]}""", "$.signals[0].calibration.target: unknown key")]
    [InlineData("""{"signal":[]}""", "$.signal: unknown key")]
    public void LoadJson_InvalidDefinition_ThrowsWithPath(string json, string expectedProblem)
    {
        var act = () => SignalDefinitionLoader.LoadJson(json);

        act.Should().Throw<SignalDefinitionException>().Which.Problems.Should().Contain(p => p.Contains(expectedProblem, StringComparison.Ordinal));
    }

    [Fact]
    public void LoadYaml_UnknownKey_ThrowsWithPath()
    {
        var act = () => SignalDefinitionLoader.LoadYaml("signals:\n  - type: X\n    subject: [sku]\n    features: { f: last(e.v) }\n    rule: { kind: dwell, feature: f, sla: 1, extra: 2 }\n");

        act.Should().Throw<SignalDefinitionException>().Which.Problems.Should().Contain(p => p.StartsWith("$.signals[0].rule.extra: unknown key", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("sum(sale_recorded.qty) over 1h", FeatureKind.Windowed, WindowAggregate.Sum, WindowKind.Sliding)]
    [InlineData("count(sale_recorded) over 15m tumbling", FeatureKind.Windowed, WindowAggregate.Count, WindowKind.Tumbling)]
    [InlineData("rate(stock_movement.on_hand) over 1d every 1h", FeatureKind.Windowed, WindowAggregate.RateOfChange, WindowKind.Sliding)]
    [InlineData("last(stock_movement.on_hand)", FeatureKind.Latest, WindowAggregate.Count, WindowKind.Tumbling)]
    public void FeatureParse_ValidExpression_BuildsFeature(string expression, FeatureKind kind, WindowAggregate aggregate, WindowKind windowKind)
    {
        var feature = FeatureDefinition.Parse("f", expression);

        feature.Kind.Should().Be(kind);
        if (kind == FeatureKind.Windowed)
        {
            feature.Aggregate.Should().Be(aggregate);
            feature.WindowKind.Should().Be(windowKind);
        }
    }

    [Theory]
    [InlineData("sum(sale_recorded) over 1h")]
    [InlineData("median(sale_recorded.qty) over 1h")]
    [InlineData("sum(sale_recorded.qty)")]
    [InlineData("sum(sale_recorded.qty) over soon")]
    [InlineData("sum sale_recorded.qty")]
    public void FeatureParse_InvalidExpression_ThrowsFormatException(string expression)
    {
        var act = () => FeatureDefinition.Parse("f", expression);

        act.Should().Throw<FormatException>().WithMessage($"*{expression}*");
    }

    [Fact]
    public void Build_InvalidDefinition_ReportsEveryProblem()
    {
        var builder = SignalDefinition.Create("X").Feature("f", "last(e.v)").Threshold(2).Carry("nope");

        var act = () => builder.Build();

        act.Should().Throw<SignalDefinitionException>().Which.Problems.Should().HaveCount(4);
    }
}
