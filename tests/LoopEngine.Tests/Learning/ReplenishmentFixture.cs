using LoopEngine;
using LoopEngine.Learning;
using Microsoft.Extensions.Time.Testing;

namespace LoopEngine.Tests.Learning;

/// <summary>The page's scm.replenishment loop with its outcome metrics, a store and the outcome service.</summary>
internal sealed class ReplenishmentFixture
{
    public static readonly DateTimeOffset Opened = new(2026, 2, 14, 8, 0, 0, TimeSpan.Zero);

    public ReplenishmentFixture()
    {
        Registry = new LoopRegistry().Add(Definition());
        History = new LoopHistory(Store);
        Outcomes = new LoopOutcomes(Store, Learning, Registry, new SequentialLoopIdGenerator(), Time);
    }

    public InMemoryLoopStore Store { get; } = new();

    public InMemoryLearningStore Learning { get; } = new();

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));

    public LoopRegistry Registry { get; }

    public LoopHistory History { get; }

    public LoopOutcomes Outcomes { get; }

    /// <param name="secondLeadTimeMetric">Adds a second duration metric that feeds the same supplier lead-time estimate.</param>
    public static LoopDefinition Definition(bool secondLeadTimeMetric = false) =>
        new LoopDefinitionBuilder("scm.replenishment", "1.0.0")
            .WithDomain("scm")
            .WithDescription("Replenishment")
            .AddState("LOW_STOCK_SIGNAL", s => s.Initial())
            .AddState("REPLENISHMENT_RECOMMENDED")
            .AddState("PO_CREATED")
            .AddState("PO_RECEIVED")
            .AddState("STOCK_STABILIZED", s => s.Terminal())
            .AddState("STOCKOUT", s => s.Error())
            .AddTransition("recommend_replenishment", "LOW_STOCK_SIGNAL", "REPLENISHMENT_RECOMMENDED", t => t.AllowActors(ActorType.Automation, ActorType.System, ActorType.AiAgent))
            .AddTransition("create_po", "REPLENISHMENT_RECOMMENDED", "PO_CREATED", t => t.AllowActors(ActorType.Automation, ActorType.System, ActorType.Human))
            .AddTransition("receive_po", "PO_CREATED", "PO_RECEIVED", t => t.AllowActors(ActorType.Human))
            .AddTransition("stockout", "PO_CREATED", "STOCKOUT", t => t.AllowActors(ActorType.Automation))
            .AddTransition("stabilize", "PO_RECEIVED", "STOCK_STABILIZED", t => t.AllowActors(ActorType.Automation, ActorType.System))
            .WithOutcome("replenishment_closed", "Stock stabilized", "loop", o =>
            {
                o.AddMetric("demand", "Demand", "units", OutcomeMetricKind.Number)
                    .AddMetric("lead_time", "Lead time", "days", OutcomeMetricKind.Duration, updates: "supplier_lead_time:{evidence.supplier}")
                    .AddMetric("stockout_risk", "Stockout risk", "level", OutcomeMetricKind.Category)
                    .AddMetric("stockout_occurred", "Stockout occurred", "boolean", OutcomeMetricKind.Boolean);
                if (secondLeadTimeMetric)
                {
                    o.AddMetric("carrier_lead_time", "Carrier lead time", "days", OutcomeMetricKind.Duration, updates: "supplier_lead_time:{evidence.supplier}");
                }
            })
            .Build();

    /// <summary>The page's run: LOW_STOCK_SIGNAL → ... → STOCK_STABILIZED, PO created with supplier SUP-ACME.</summary>
    public Task<LoopInstance> AddPageLoopAsync(string aggregateId, LoopStatus status = LoopStatus.Closed, DateTimeOffset? opened = null) =>
        History.AddAsync("scm.replenishment", aggregateId, opened ?? Opened, "LOW_STOCK_SIGNAL",
            status is LoopStatus.Closed
                ? [
                    new Step("recommend_replenishment", "LOW_STOCK_SIGNAL", "REPLENISHMENT_RECOMMENDED", Actor.System("demand-signal"), TimeSpan.FromMinutes(1)),
                    new Step("create_po", "REPLENISHMENT_RECOMMENDED", "PO_CREATED", Actor.System("replenishment-engine"), TimeSpan.FromMinutes(5), Evidence.Parse("""{"supplier":"SUP-ACME","quantity":200}""")),
                    new Step("receive_po", "PO_CREATED", "PO_RECEIVED", Actor.Human("drew.kim@lumebonde.co"), TimeSpan.FromDays(16)),
                    new Step("stabilize", "PO_RECEIVED", "STOCK_STABILIZED", Actor.System("fulfillment"), TimeSpan.FromHours(2)),
                ]
                : [new Step("recommend_replenishment", "LOW_STOCK_SIGNAL", "REPLENISHMENT_RECOMMENDED", Actor.System("demand-signal"), TimeSpan.FromMinutes(1))],
            status,
            startEvidence: Evidence.Parse("""{"signal":"DEMAND_SPIKE","sku":"BRS-001","confidence":0.84}"""),
            causationId: "sig-0001");

    public static OutcomeRecord PageOutcome(string aggregateId) => new()
    {
        AggregateId = aggregateId,
        Metrics =
        [
            new OutcomeMetricValue("demand", OutcomeValue.Number(200), OutcomeValue.Number(260)),
            new OutcomeMetricValue("lead_time", OutcomeValue.Duration(TimeSpan.FromDays(12)), OutcomeValue.Duration(TimeSpan.FromDays(16))),
            new OutcomeMetricValue("stockout_risk", OutcomeValue.Category("Low"), OutcomeValue.Category("High")),
            new OutcomeMetricValue("stockout_occurred", null, OutcomeValue.Boolean(true)),
        ],
    };
}
