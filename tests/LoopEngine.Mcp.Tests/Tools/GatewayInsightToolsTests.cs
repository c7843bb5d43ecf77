using System.Text.Json;
using LoopEngine.Mcp.Tests.TestSupport;
using LoopEngine.Metrics;
using LoopEngine.Signals;
using Microsoft.Extensions.DependencyInjection;
using static LoopEngine.Mcp.Tests.Tools.GatewayToolsTests;

namespace LoopEngine.Mcp.Tests.Tools;

/// <summary>list_signals and get_loop_metrics over a host with the signal engine and the metrics service registered.</summary>
public sealed class GatewayInsightToolsTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 2, 14, 8, 0, 0, TimeSpan.Zero);

    private GatewayFixture _gateway = null!;

    public static TheoryData<string, string, string> BadInputs => new()
    {
        { "list_signals", """{"signal_type":"DEMAND_SPIKES"}""", "DEMAND_SPIKE" },
        { "list_signals", """{"min_confidence":1.5}""", "0 to 1" },
        { "list_signals", """{"min_confidence":-0.1}""", "0 to 1" },
        { "list_signals", """{"limit":0}""", "1 to 200" },
        { "list_signals", """{"limit":201}""", "1 to 200" },
        { "get_loop_metrics", """{"loop_id":"scm.procurment"}""", "scm.procurement" },
        { "get_loop_metrics", """{"loop_id":""}""", "Registered loops" },
        { "get_loop_metrics", """{"loop_id":"test.triage","from":"2026-02-10","to":"2026-02-01"}""", "must be before" },
        { "get_loop_metrics", """{"loop_id":"test.triage","from":"2026-02-01T00:00:00Z","to":"2026-02-01T00:00:00Z"}""", "must be before" },
        { "get_loop_metrics", """{"loop_id":"test.triage","from":"2024-01-01","to":"2026-01-01"}""", "366 days" },
        { "get_loop_metrics", """{"loop_id":"test.triage","from":"last tuesday"}""", "ISO 8601" },
        { "get_loop_metrics", """{"loop_id":"test.triage","to":"2026-13-45"}""", "ISO 8601" },
    };

    public async Task InitializeAsync() => _gateway = await GatewayFixture.StartAsync(services: (services, _) => services
        .AddLoopEngineSignals(b => b
            .AddSignal(ScmSignals.DemandSpike())
            .AddTrigger(ScmSignals.ReplenishmentTrigger())
            .UseReferenceData(PageReferenceData())
            .Configure(o => o.OrgId = GatewayFixture.Org))
        .AddLoopEngineLearning());

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task ListSignals_PageEventsIngested_ShowsDemandSpikeForBrs001AtDcEastWithItsLoop()
    {
        await IngestPageEventsAsync();
        _gateway.Time.Advance(TimeSpan.FromMinutes(2));

        var result = await _gateway.CallAsync("list_signals", new { signal_type = "DEMAND_SPIKE", min_confidence = 0.8 });

        result.IsError.Should().NotBe(true, Text(result));
        var signal = Data(result).GetProperty("signals").EnumerateArray().Should().ContainSingle().Subject;
        signal.GetProperty("type").GetString().Should().Be("DEMAND_SPIKE");
        signal.GetProperty("subject").GetProperty("sku").GetString().Should().Be("BRS-001");
        signal.GetProperty("subject").GetProperty("location").GetString().Should().Be("DC-East");
        signal.GetProperty("confidence").GetDouble().Should().BeApproximately(0.84, 1e-9);
        signal.GetProperty("age").GetString().Should().Be("2m");
        signal.GetProperty("ageMs").GetInt64().Should().Be(120_000);
        signal.GetProperty("loopId").GetString().Should().Be("scm.replenishment");
        signal.GetProperty("aggregateId").GetString().Should().StartWith("REPLEN-2026-");
        signal.GetProperty("openedLoop").GetBoolean().Should().BeTrue();
        Text(result).Should().Contain("DEMAND_SPIKE BRS-001@DC-East conf: 0.84 2m ago");
    }

    [Fact]
    public async Task ListSignals_FiltersAboveTheSignalsConfidence_ReturnNone()
    {
        await IngestPageEventsAsync();

        var result = await _gateway.CallAsync("list_signals", new { min_confidence = 0.9, limit = 5 });

        result.IsError.Should().NotBe(true, Text(result));
        Data(result).GetProperty("signals").GetArrayLength().Should().Be(0);
        Data(result).GetProperty("signalTypes").EnumerateArray().Select(t => t.GetString()).Should().Equal("DEMAND_SPIKE");
    }

    [Fact]
    public async Task ListSignals_SignalOfAnotherOrg_IsNotListed()
    {
        var store = _gateway.Services.GetRequiredService<ISignalStore>();
        await store.TryAddSignalAsync(new Signal
        {
            Id = "sig_DEMAND_SPIKE_other",
            Type = ScmSignals.DemandSpikeType,
            OrgId = GatewayFixture.OtherOrg,
            Subject = new Dictionary<string, string> { ["sku"] = "XYZ-9", ["location"] = "DC-West" },
            Confidence = 0.95,
            Threshold = 0.7,
            Attributes = new Dictionary<string, double>(),
            OccurredAt = T0,
            DetectedAt = _gateway.Time.GetUtcNow(),
            Status = SignalStatus.Emitted,
            EventId = "other",
        });

        var result = await _gateway.CallAsync("list_signals");

        result.IsError.Should().NotBe(true, Text(result));
        Data(result).GetProperty("signals").GetArrayLength().Should().Be(0);
    }

    [Fact]
    public async Task GetLoopMetrics_ClosedLoops_ReturnsTheFiguresTheMetricsServiceComputes()
    {
        // CASE-2: triaged by automation, resolution recommended by the agent and approved by a human 20 minutes later.
        await _gateway.Engine.StartAsync(new StartLoopRequest { LoopId = "test.triage", AggregateId = "CASE-2", Actor = TestLoops.Intake, OrgId = GatewayFixture.Org });
        _gateway.Time.Advance(TimeSpan.FromMinutes(10));
        (await _gateway.MoveAsync("CASE-2", "triage", TestLoops.Intake, """{"category":"billing"}""")).IsExecuted.Should().BeTrue();
        var recommended = await _gateway.CallAsync("recommend_transition", new { aggregate_id = "CASE-2", transition_id = "resolve", reasoning = "Refund issued." });
        recommended.IsError.Should().NotBe(true, Text(recommended));
        _gateway.Time.Advance(TimeSpan.FromMinutes(20));
        var approved = await _gateway.Engine.ApproveAsync(new ApprovalRequest { RecommendationId = Data(recommended).GetProperty("recommendationId").GetString()!, Approver = TestLoops.Drew, OrgId = GatewayFixture.Org });
        approved.IsExecuted.Should().BeTrue(approved.Message);

        // CASE-3: escalated by a human after 10 minutes; CASE-4: failed into the error state at once.
        await _gateway.Engine.StartAsync(new StartLoopRequest { LoopId = "test.triage", AggregateId = "CASE-3", Actor = TestLoops.Intake, OrgId = GatewayFixture.Org });
        _gateway.Time.Advance(TimeSpan.FromMinutes(5));
        (await _gateway.MoveAsync("CASE-3", "triage", TestLoops.Intake, """{"category":"shipping"}""")).IsExecuted.Should().BeTrue();
        _gateway.Time.Advance(TimeSpan.FromMinutes(5));
        (await _gateway.MoveAsync("CASE-3", "escalate", TestLoops.Drew)).IsExecuted.Should().BeTrue();
        await _gateway.Engine.StartAsync(new StartLoopRequest { LoopId = "test.triage", AggregateId = "CASE-4", Actor = TestLoops.Intake, OrgId = GatewayFixture.Org });
        (await _gateway.MoveAsync("CASE-4", "fail", TestLoops.Intake)).IsExecuted.Should().BeTrue();
        _gateway.Time.Advance(TimeSpan.FromMinutes(1));
        var now = _gateway.Time.GetUtcNow();

        var result = await _gateway.CallAsync("get_loop_metrics", new { loop_id = "test.triage" });

        result.IsError.Should().NotBe(true, Text(result));
        var expected = await _gateway.Services.GetRequiredService<ILoopMetricsService>().ComputeAsync(GatewayFixture.Org, "test.triage", now.AddDays(-30), now);
        var data = Data(result);
        data.GetProperty("from").GetString().Should().Be(GatewayJsonTime(now.AddDays(-30)));
        data.GetProperty("to").GetString().Should().Be(GatewayJsonTime(now));
        data.GetProperty("countByStatus").GetProperty("Open").GetInt64().Should().Be(expected.CountByStatus[LoopStatus.Open]).And.Be(1);
        data.GetProperty("countByStatus").GetProperty("Closed").GetInt64().Should().Be(expected.CountByStatus[LoopStatus.Closed]).And.Be(2);
        data.GetProperty("countByStatus").GetProperty("Error").GetInt64().Should().Be(expected.CountByStatus[LoopStatus.Error]).And.Be(1);
        data.GetProperty("completions").GetInt64().Should().Be(expected.Completions).And.Be(2);
        data.GetProperty("endedCount").GetInt64().Should().Be(expected.EndedCount).And.Be(3);
        data.GetProperty("averageCloseTime").GetProperty("ms").GetInt64().Should().Be((long)expected.AverageCloseTime!.Value.TotalMilliseconds).And.Be(20 * 60_000);
        data.GetProperty("medianCloseTime").GetProperty("ms").GetInt64().Should().Be((long)expected.MedianCloseTime!.Value.TotalMilliseconds).And.Be(20 * 60_000);
        data.GetProperty("p95CloseTime").GetProperty("ms").GetInt64().Should().Be((long)expected.P95CloseTime!.Value.TotalMilliseconds).And.Be(30 * 60_000);
        data.GetProperty("exceptionRate").GetDouble().Should().Be(expected.ExceptionRate!.Value).And.BeApproximately(1.0 / 3, 1e-9);
        data.GetProperty("executedTransitions").GetInt64().Should().Be(expected.ExecutedTransitions).And.Be(5);
        data.GetProperty("aiActedShare").GetDouble().Should().Be(expected.AiActedShare!.Value).And.BeApproximately(0.6, 1e-9);
        data.GetProperty("humanApprovedShare").GetDouble().Should().Be(expected.HumanApprovedShare!.Value).And.BeApproximately(0.4, 1e-9);
        data.GetProperty("aiRecommendedApprovedTransitions").GetInt64().Should().Be(expected.AiRecommendedApprovedTransitions).And.Be(1);
        data.GetProperty("decidedRecommendations").GetInt64().Should().Be(expected.DecidedRecommendations).And.Be(1);
        data.GetProperty("averageApprovalLatency").GetProperty("ms").GetInt64().Should().Be((long)expected.AverageApprovalLatency!.Value.TotalMilliseconds).And.Be(20 * 60_000);
        data.GetProperty("medianApprovalLatency").GetProperty("iso").GetString().Should().Be("PT20M");
        data.GetProperty("overrideRate").GetDouble().Should().Be(expected.OverrideRate!.Value).And.Be(0);
        data.GetProperty("completionsPerDay").EnumerateArray().Sum(d => d.GetProperty("completions").GetInt64()).Should().Be(2);
        Text(result).Should().Contain("completions 2").And.Contain("AI-acted 60%").And.Contain("human-approved 40%");
    }

    [Fact]
    public async Task GetLoopMetrics_ExplicitWindowBeforeTheLoops_CountsNothing()
    {
        var result = await _gateway.CallAsync("get_loop_metrics", new { loop_id = "test.triage", from = "2026-01-01", to = "2026-02-01T00:00:00Z" });

        result.IsError.Should().NotBe(true, Text(result));
        var data = Data(result);
        data.GetProperty("from").GetString().Should().Be("2026-01-01T00:00:00.000Z");
        data.GetProperty("completions").GetInt64().Should().Be(0);
        data.GetProperty("averageCloseTime").ValueKind.Should().Be(JsonValueKind.Null);
        data.GetProperty("completionsPerDay").GetArrayLength().Should().Be(31);
    }

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task InsightTool_BadInput_IsAToolErrorNamingTheProblemAndNothingIsWritten(string tool, string argumentsJson, string named)
    {
        var before = (await _gateway.EventsAsync()).Count;

        var result = await _gateway.Client.CallToolAsync(tool, JsonSerializer.Deserialize<Dictionary<string, object?>>(argumentsJson)!);

        result.IsError.Should().BeTrue();
        Text(result).Should().Contain(named);
        (await _gateway.EventsAsync()).Count.Should().Be(before);
    }

    [Fact]
    public async Task InsightTools_ServicesNotRegistered_AreToolErrorsSayingWhatToRegister()
    {
        await using var bare = await GatewayFixture.StartAsync(seed: false);

        var tools = await bare.Client.ListToolsAsync();
        var signals = await bare.CallAsync("list_signals");
        var metrics = await bare.CallAsync("get_loop_metrics", new { loop_id = "test.triage" });

        tools.Select(t => t.Name).Should().Contain(["list_signals", "get_loop_metrics"]);
        signals.IsError.Should().BeTrue();
        Text(signals).Should().Contain("AddLoopEngineSignals");
        metrics.IsError.Should().BeTrue();
        Text(metrics).Should().Contain("AddLoopEngineLearning");
    }

    private static string GatewayJsonTime(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);

    private static InMemoryReferenceData PageReferenceData() => new InMemoryReferenceData()
        .Set("reorder_point", 50, ("sku", "BRS-001"), ("location", "DC-East"))
        .Set("baseline_daily_demand", 300, ("sku", "BRS-001"), ("location", "DC-East"));

    private static RawEvent Ev(string id, string type, DateTimeOffset at, string payload, params (string Key, string Value)[] keys) =>
        RawEvent.Create(id, type, at, keys.ToDictionary(k => k.Key, k => k.Value, StringComparer.Ordinal), payload);

    /// <summary>The product page's three raw events for BRS-001 at DC-East, ingested through the registered engine.</summary>
    private async Task IngestPageEventsAsync()
    {
        var engine = _gateway.Services.GetRequiredService<ISignalEngine>();
        var result = await engine.IngestAsync(
        [
            Ev("e1", "sale_recorded", T0, """{"qty":847}""", ("sku", "BRS-001"), ("location", "DC-East")),
            Ev("e2", "shipment_delayed", T0.AddMinutes(30), """{"eta_delay_days":4}""", ("carrier", "FedEx"), ("location", "DC-East")),
            Ev("e3", "stock_movement", T0.AddHours(1), """{"on_hand":12}""", ("sku", "BRS-001"), ("location", "DC-East")),
        ]);
        result.Signals.Should().ContainSingle();
    }
}
