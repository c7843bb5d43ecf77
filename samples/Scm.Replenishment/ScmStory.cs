using System.Globalization;
using LoopEngine;
using LoopEngine.Learning;
using LoopEngine.Metrics;
using LoopEngine.Signals;
using LoopEngine.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Scm.Replenishment;

/// <summary>
/// The product page's story (ARCHITECTURE.md, "the page's story, step by step") on the engine, with a simulated clock
/// and deterministic ids, so every run prints the same. Every figure in the report is read back from the store.
/// </summary>
public static class ScmStory
{
    private const string Org = "default";
    private static readonly DateTimeOffset Start = At("2026-02-14T08:00:00Z");
    private static readonly Actor DemandSignal = Actor.Automation("system:demand-signal");
    private static readonly Actor ReplenishmentEngine = Actor.Automation("system:replenishment-engine");
    private static readonly Actor Replenishment = Actor.Automation("system:replenishment");
    private static readonly Actor Fulfillment = Actor.Automation("system:fulfillment");
    private static readonly Actor Warehouse = Actor.Automation("warehouse:dc-east");
    private static readonly Actor Drew = Actor.Human("drew.kim@lumebonde.co");
    private static readonly Actor Claude = Actor.AiAgent("agent:commerce-gateway/claude", "claude-sonnet-4", "anthropic", 0.93);

    /// <summary>Runs the story on a new store and returns what it shows.</summary>
    /// <param name="options">The options.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>The report.</returns>
    public static async Task<StoryReport> RunAsync(StoryOptions options, CancellationToken cancellationToken = default)
    {
        var clock = new SimulatedClock(Start);
        var (useStore, storeName) = ChooseStore(options);
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(clock);
        services.AddSingleton<ILoopIdGenerator>(new SequentialLoopIdGenerator());
        services.Configure<LoopEngineOptions>(o => o.SpawnAggregateIdPatterns["scm.procurement"] = "PO-{yyyy}-{seq:0000}");
        services.AddLoopEngine(b =>
        {
            foreach (var key in LoopCatalog.Available)
            {
                b.AddLoop(LoopCatalog.Load(key.Split('@')[0], key.Split('@')[1]));
            }

            useStore(b);
        });
        services.AddLoopEngineLearning();
        services.AddLoopEngineSignals(s => s
            .AddSignal(ScmSignals.DemandSpike())
            .AddTrigger(ScmSignals.ReplenishmentTrigger() with { CorrelationId = _ => "corr_abc123" })
            .UseReferenceData(new InMemoryReferenceData()
                .Set("reorder_point", 50, ("sku", "BRS-001"), ("location", "DC-East"))
                .Set("baseline_daily_demand", 300, ("sku", "BRS-001"), ("location", "DC-East"))));
        await using var provider = services.BuildServiceProvider();
        var engine = provider.GetRequiredService<ILoopEngine>();
        var signals = provider.GetRequiredService<ISignalEngine>();
        var outcomes = provider.GetRequiredService<IOutcomeRecorder>();
        var estimates = provider.GetRequiredService<IEstimateReader>();
        var metrics = provider.GetRequiredService<ILoopMetricsService>();
        var store = provider.GetRequiredService<ILoopStore>();

        // The page's ids come out of the real generator: sequences seeded at 41 and 12.
        await store.SeedSequenceAsync(Org, "REPLEN-2026", 41, cancellationToken);
        await store.SeedSequenceAsync(Org, "PO-2026", 12, cancellationToken);

        // 1. Raw events → DEMAND_SPIKE → scm.replenishment opened.
        RawEvent[] raw =
        [
            RawEvent.Create("evt-sale-1", "sale_recorded", Start, new Dictionary<string, string> { ["sku"] = "BRS-001", ["location"] = "DC-East" }, """{"qty":847}"""),
            RawEvent.Create("evt-ship-1", "shipment_delayed", Start.AddMinutes(30), new Dictionary<string, string> { ["carrier"] = "FedEx", ["location"] = "DC-East" }, """{"eta_delay_days":4}"""),
            RawEvent.Create("evt-stock-1", "stock_movement", Start.AddHours(1), new Dictionary<string, string> { ["sku"] = "BRS-001", ["location"] = "DC-East" }, """{"on_hand":12}"""),
        ];
        clock.Set(Start.AddHours(1).AddMinutes(1));
        var signal = (await signals.IngestAsync(raw, cancellationToken)).Signals.Single();
        var replen = signal.AggregateId!;

        // 2. scm.replenishment: each step attributed; create_po spawns scm.procurement for PO-2026-0012.
        await StepAsync(engine, clock, "2026-02-14T09:05:00Z", replen, "recommend_replenishment", DemandSignal, """{"quantity":260,"expected_lead_time_days":12}""");
        var created = await StepAsync(engine, clock, "2026-02-14T09:14:10Z", replen, "create_po", ReplenishmentEngine, """{"supplier":"SUP-ACME","quantity":260}""");
        var po = (await engine.GetChildrenAsync(replen, Org, cancellationToken)).Single().AggregateId;
        _ = created;

        // 3. scm.procurement as the page prints it, with the agent's recommendation awaiting approval.
        await StepAsync(engine, clock, "2026-02-14T09:14:22Z", po, "confirm_po", Drew, """{"approved":true,"method":"3-way-match"}""");
        await StepAsync(engine, clock, "2026-02-14T09:18:45Z", po, "schedule_receipt", Replenishment, """{"warehouse":"DC-East","eta":"2026-02-17"}""");
        clock.Set(At("2026-02-17T09:00:00Z"));
        var recommended = await engine.TransitionAsync(new TransitionRequest { AggregateId = po, TransitionId = "receive", Actor = Claude, Evidence = Evidence.Parse("""{"shipment_scan":"confirmed","quantity_match":true}""") }, cancellationToken);
        var stored = (await engine.ListRecommendationsAsync(new RecommendationQuery { OrgId = Org, AggregateId = po, Statuses = [RecommendationStatus.Pending] }, cancellationToken)).Items.Single(r => r.Id == recommended.Recommendation!.Id);
        var poState = (await engine.GetInstanceAsync(po, Org, cancellationToken))!.CurrentState;
        var pending = new PendingLine(poState, stored.Recommender.Id, stored.Recommender.Type.ToWireName(), stored.TransitionId, stored.Evidence.Json, "awaiting human approval");
        clock.Set(At("2026-02-17T09:20:00Z"));
        await engine.ApproveAsync(new ApprovalRequest { RecommendationId = stored.Id, Approver = Drew, Evidence = Evidence.Parse("""{"approved":true}""") }, cancellationToken);
        await StepAsync(engine, clock, "2026-02-17T09:22:00Z", po, "close", Fulfillment, "{}");
        await StepAsync(engine, clock, "2026-02-17T10:00:00Z", replen, "receive_po", Drew, """{"po":"PO-2026-0012"}""");
        await StepAsync(engine, clock, "2026-02-18T10:00:00Z", replen, "stabilize", Fulfillment, """{"on_hand":272}""");

        // 4. The outcome: predicted vs actual, and the supplier's lead-time estimate the next loop reads.
        clock.Set(At("2026-03-04T10:00:00Z"));
        await outcomes.RecordOutcomeAsync(new OutcomeRecord
        {
            AggregateId = replen,
            Metrics =
            [
                new OutcomeMetricValue("demand", OutcomeValue.Number(200), OutcomeValue.Number(260)),
                new OutcomeMetricValue("lead_time", OutcomeValue.Duration(TimeSpan.FromDays(12)), OutcomeValue.Duration(TimeSpan.FromDays(16))),
                new OutcomeMetricValue("stockout_risk", OutcomeValue.Category("Low"), OutcomeValue.Category("High")),
                new OutcomeMetricValue("stockout_occurred", null, OutcomeValue.Boolean(true)),
            ],
        }, cancellationToken);
        var outcome = (await outcomes.GetOutcomeAsync(Org, replen, cancellationToken))!;
        var estimate = (await estimates.GetAsync("supplier_lead_time:SUP-ACME", Org, cancellationToken))!;
        var nextId = $"REPLEN-2026-{await store.NextSequenceValueAsync(Org, "REPLEN-2026", cancellationToken):0000}";
        await engine.StartAsync(new StartLoopRequest { LoopId = "scm.replenishment", Version = "2.0.0", AggregateId = nextId, Actor = DemandSignal, CorrelationId = "corr_next_001" }, cancellationToken);
        await StepAsync(engine, clock, "2026-03-04T10:05:00Z", nextId, "recommend_replenishment", DemandSignal,
            string.Create(CultureInfo.InvariantCulture, $$"""{"quantity":300,"supplier":"SUP-ACME","expected_lead_time_days":{{estimate.Value}}}"""));
        var nextEvidence = (await engine.GetTraceAsync(nextId, Org, cancellationToken))[^1].Evidence;

        // 5. A simulated month of scm.procurement loops, then the metrics panel computed from the store.
        var simulated = await SimulateProcurementMonthAsync(engine, clock, options.SimulateDays, cancellationToken);
        var to = clock.GetUtcNow();
        var month = await metrics.ComputeAsync(Org, "scm.procurement", to.AddDays(-options.SimulateDays), to, cancellationToken);
        var live = await signals.GetLiveSignalsAsync(5, cancellationToken);

        return new StoryReport
        {
            Store = storeName,
            RawEvents = raw.Select(e => new RawEventLine(e.Type, string.Join(" ", e.Keys.Select(k => $"{k.Key}: {k.Value}")), e.Payload.GetRawText())).ToList(),
            Signal = new SignalLine(signal.Type, signal.Subject["sku"], signal.Subject["location"], signal.Confidence, signal.Attributes["on_hand"], signal.Attributes["reorder_point"], signal.LoopId!, replen),
            Replenishment = await LoopReportAsync(engine, replen, cancellationToken),
            Procurement = await LoopReportAsync(engine, po, cancellationToken),
            Pending = pending,
            Outcome = outcome.Metrics.Where(m => m.Predicted is not null).Select(OutcomeLineOf).ToList(),
            StockoutOccurred = outcome["stockout_occurred"]!.Actual!.BooleanValue,
            NextLoop = new NextLoopLine(nextId, estimate.Key, 12, nextEvidence.Root.GetProperty("expected_lead_time_days").GetDouble()),
            Metrics = new MetricsPanel(
                "scm.procurement",
                options.SimulateDays,
                simulated,
                month.AverageCloseTime?.TotalDays,
                month.ExceptionRate,
                month.AiActedShare,
                month.HumanApprovedShare,
                month.CountByStatus.ToDictionary(p => p.Key.ToString(), p => p.Value),
                live.Select(s => $"{s.Type,-14} {s.Subject,-20} conf: {s.Confidence.ToString("0.00", CultureInfo.InvariantCulture)}  {Age(s.Age)} ago").ToList()),
            Diagrams = options.Diagram
                ? [("scm.replenishment", engine.GetDefinition("scm.replenishment", "2.0.0").ToMermaid()), ("scm.procurement", engine.GetDefinition("scm.procurement", "2.0.0").ToMermaid())]
                : [],
        };
    }

    /// <summary>
    /// SQLite (the default) keeps everything in one file: loops, signals (with their open loops and thresholds) and
    /// learning (outcomes and estimates); <c>--store memory</c> keeps all of it in memory.
    /// </summary>
    private static (Action<ILoopEngineBuilder> Use, string Name) ChooseStore(StoryOptions options)
    {
        if (options.InMemory)
        {
            return (b => b.UseStore(_ => new InMemoryLoopStore()), "in-memory");
        }

        var path = options.DatabasePath ?? Path.Combine(Directory.CreateTempSubdirectory("loopengine-scm-").FullName, "loops.db");
        if (File.Exists(path) && new FileInfo(path).Length > 0)
        {
            throw new ArgumentException($"The file '{path}' already holds data. The story writes a new database: name a new file with --db, or omit --db for a fresh temp file.");
        }

        return (b => b.UseSqliteStore($"Data Source={path}"), $"SQLite {path}");
    }

    private static async Task<TransitionResult> StepAsync(ILoopEngine engine, SimulatedClock clock, string at, string aggregateId, string transitionId, Actor actor, string evidence)
    {
        clock.Set(At(at));
        var result = await engine.TransitionAsync(new TransitionRequest { AggregateId = aggregateId, TransitionId = transitionId, Actor = actor, Evidence = Evidence.Parse(evidence) });
        return result.IsExecuted ? result : throw new InvalidOperationException($"The story expected {transitionId} on {aggregateId} to execute: {result.Outcome} {result.Message}");
    }

    /// <summary>Simulates procurement loops over <paramref name="days"/> days after the story, deterministically (seed 2026).</summary>
    private static async Task<int> SimulateProcurementMonthAsync(ILoopEngine engine, SimulatedClock clock, int days, CancellationToken cancellationToken)
    {
        var random = new SeededLoopRandom(2026);
        var begin = At("2026-03-05T08:00:00Z");
        var count = 0;
        for (var day = 0; day < days; day++)
        {
            for (var n = 0; n < 3; n++)
            {
                var aggregate = string.Create(CultureInfo.InvariantCulture, $"PO-SIM-{day:000}-{n}");
                var t = begin.AddDays(day).AddHours(n * 3);
                clock.Set(t);
                await engine.StartAsync(new StartLoopRequest { LoopId = "scm.procurement", Version = "2.0.0", AggregateId = aggregate, Actor = Replenishment }, cancellationToken);
                await Timed(engine, clock, t += TimeSpan.FromSeconds(12), aggregate, "confirm_po", Drew, """{"approved":true,"method":"3-way-match"}""");
                await Timed(engine, clock, t += TimeSpan.FromMinutes(4), aggregate, "schedule_receipt", Replenishment, """{"warehouse":"DC-East","eta":"soon"}""");
                t += TimeSpan.FromDays(2 + (random.NextDouble() * 2.4));
                if (random.NextDouble() < 0.33)
                {
                    clock.Set(t);
                    var pending = await engine.TransitionAsync(new TransitionRequest { AggregateId = aggregate, TransitionId = "receive", Actor = Claude, Evidence = Evidence.Parse("""{"shipment_scan":"confirmed"}""") }, cancellationToken);
                    clock.Set(t += TimeSpan.FromMinutes(20));
                    await engine.ApproveAsync(new ApprovalRequest { RecommendationId = pending.Recommendation!.Id, Approver = Drew }, cancellationToken);
                }
                else
                {
                    await Timed(engine, clock, t, aggregate, "receive", Warehouse, """{"shipment_scan":"confirmed"}""");
                }

                var dispute = random.NextDouble() < 0.04;
                await Timed(engine, clock, t + TimeSpan.FromMinutes(2), aggregate, dispute ? "dispute" : "close", dispute ? Warehouse : Fulfillment, "{}");
                count++;
            }
        }

        return count;

        static Task<TransitionResult> Timed(ILoopEngine engine, SimulatedClock clock, DateTimeOffset at, string aggregate, string transition, Actor actor, string evidence) =>
            StepAsync(engine, clock, at.ToString("O", CultureInfo.InvariantCulture), aggregate, transition, actor, evidence);
    }

    private static async Task<LoopReport> LoopReportAsync(ILoopEngine engine, string aggregateId, CancellationToken cancellationToken)
    {
        var instance = (await engine.GetInstanceAsync(aggregateId, Org, cancellationToken))!;
        var trace = await engine.GetTraceAsync(aggregateId, Org, cancellationToken);
        var lines = trace.Skip(1).Select((r, i) => new TraceLine(r.FromState!, r.ToState, r.OccurredAt - trace[i].OccurredAt, r.Actor.Id, r.Actor.Type.ToWireName(), r.Recommender?.Id)).ToList();
        var verification = await engine.VerifyTraceAsync(aggregateId, Org, cancellationToken: cancellationToken);
        return new LoopReport(instance.LoopId, instance.DefinitionVersion, aggregateId, instance.Status.ToString(), instance.CorrelationId, instance.ParentAggregateId, lines, verification.Message);
    }

    private static OutcomeLine OutcomeLineOf(MetricComparison m) => m.Kind switch
    {
        OutcomeMetricKind.Number => new OutcomeLine(Label(m.MetricId), Num(m.Predicted!.NumberValue), Num(m.Actual!.NumberValue), Signed(m.Delta!.Value)),
        OutcomeMetricKind.Duration => new OutcomeLine(Label(m.MetricId), Days(m.Predicted!.DurationValue), Days(m.Actual!.DurationValue), (m.DurationDelta!.Value >= TimeSpan.Zero ? "+" : string.Empty) + Days(m.DurationDelta!.Value)),
        _ => new OutcomeLine(Label(m.MetricId), m.Predicted!.ToString(), m.Actual!.ToString(), m.IsHit == true ? "Hit" : "Miss"),
    };

    private static string Label(string metricId) => metricId switch
    {
        "demand" => "Demand",
        "lead_time" => "Lead time",
        "stockout_risk" => "Stockout risk",
        _ => metricId,
    };

    private static string Num(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    private static string Signed(double value) => (value >= 0 ? "+" : string.Empty) + Num(value);

    private static string Days(TimeSpan span) => Num(span.TotalDays) + "d";

    internal static string Age(TimeSpan span) =>
        span.TotalDays >= 1 ? $"{(int)span.TotalDays}d"
        : span.TotalHours >= 1 ? $"{(int)span.TotalHours} hr"
        : span.TotalMinutes >= 1 ? $"{(int)span.TotalMinutes} min"
        : $"{(int)span.TotalSeconds}s";

    private static DateTimeOffset At(string iso) => DateTimeOffset.Parse(iso, CultureInfo.InvariantCulture);
}
