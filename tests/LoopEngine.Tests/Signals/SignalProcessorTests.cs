using LoopEngine.Signals;
using static LoopEngine.Tests.Signals.SignalTestEvents;

namespace LoopEngine.Tests.Signals;

public sealed class SignalProcessorTests
{
    /// <summary>A signal that fires when the feature exceeds 100 (logistic scale 1), so its confidence reveals the feature's value.</summary>
    private static ISignalEngine Engine(string expression, Action<SignalEngineOptions>? configure = null, TimeSpan? cooldown = null, Action<SignalEngineBuilder>? more = null)
    {
        var definition = SignalDefinition.Create("SALES_HIGH")
            .For("sku")
            .Feature("f", expression)
            .Score(ScoringRule.Custom("value", ["f"], a => a.TryGetValue("f", out var v) ? v / 10_000 : null))
            .Threshold(0)
            .Cooldown(cooldown ?? TimeSpan.Zero)
            .Carry("f")
            .Calibrate(new SignalCalibration { ShadowMargin = 0 })
            .Build();
        var builder = new SignalEngineBuilder().AddSignal(definition);
        if (configure is not null)
        {
            builder.Configure(configure);
        }

        more?.Invoke(builder);
        return builder.Build();
    }

    private static RawEvent Sale(string id, DateTimeOffset at, double qty, string sku = "A") =>
        Ev(id, "sale", at, $$"""{"qty":{{qty}}}""", ("sku", sku));

    private static async Task<double> LastFeatureAsync(ISignalEngine engine, RawEvent e) =>
        (await engine.IngestAsync(e)).Signals[^1].Attributes["f"];

    [Fact]
    public async Task IngestAsync_SlidingSum_DropsEventsOlderThanWindow()
    {
        var engine = Engine("sum(sale.qty) over 1h every 10m");
        await engine.IngestAsync(Sale("1", T0, 5));
        await engine.IngestAsync(Sale("2", T0.AddMinutes(30), 7));

        (await LastFeatureAsync(engine, Sale("3", T0.AddMinutes(50), 1))).Should().Be(13);
        (await LastFeatureAsync(engine, Sale("4", T0.AddMinutes(75), 2))).Should().Be(10, "the bucket of the first sale has left the hour");
    }

    [Fact]
    public async Task IngestAsync_TumblingSum_ResetsAtWindowBoundary()
    {
        var engine = Engine("sum(sale.qty) over 1h tumbling");
        await engine.IngestAsync(Sale("1", T0.AddMinutes(10), 5));

        (await LastFeatureAsync(engine, Sale("2", T0.AddMinutes(50), 7))).Should().Be(12);
        (await LastFeatureAsync(engine, Sale("3", T0.AddMinutes(61), 1))).Should().Be(1);
    }

    [Theory]
    [InlineData("count(sale) over 1h", 3)]
    [InlineData("avg(sale.qty) over 1h", 4)]
    [InlineData("min(sale.qty) over 1h", 2)]
    [InlineData("max(sale.qty) over 1h", 6)]
    [InlineData("last(sale.qty) over 1h", 4)]
    [InlineData("rate(sale.qty) over 1h", 4)]
    [InlineData("last(sale.qty)", 4)]
    public async Task IngestAsync_Aggregates_ComputeOverWindow(string expression, double expected)
    {
        var engine = Engine(expression);
        await engine.IngestAsync(Sale("1", T0, 2));
        await engine.IngestAsync(Sale("2", T0.AddMinutes(15), 6));

        // rate: (4 − 2) / 0.5 h = 4 per hour.
        (await LastFeatureAsync(engine, Sale("3", T0.AddMinutes(30), 4))).Should().Be(expected);
    }

    [Fact]
    public async Task IngestAsync_LateEventWithinLateness_PlacedInItsWindow()
    {
        var engine = Engine("sum(sale.qty) over 1h tumbling", o => o.AllowedLateness = TimeSpan.FromMinutes(10));
        await engine.IngestAsync(Sale("1", T0.AddMinutes(5), 1));
        await engine.IngestAsync(Sale("2", T0.AddMinutes(62), 100));

        // 7 minutes late, in the previous hour: counted there, not in the current one.
        var result = await engine.IngestAsync(Sale("3", T0.AddMinutes(55), 10));

        result.Accepted.Should().Be(1);
        result.Signals.Single().Attributes["f"].Should().Be(100);
        (await LastFeatureAsync(engine, Sale("4", T0.AddMinutes(63), 1))).Should().Be(101);
    }

    [Fact]
    public async Task IngestAsync_EventLaterThanLateness_CountedAndDropped()
    {
        var engine = Engine("sum(sale.qty) over 1h", o => o.AllowedLateness = TimeSpan.FromMinutes(5));
        await engine.IngestAsync(Sale("1", T0.AddMinutes(30), 1));

        var result = await engine.IngestAsync(Sale("2", T0.AddMinutes(20), 50));

        result.LateDropped.Should().Be(1);
        result.Signals.Should().BeEmpty();
        engine.GetEngineStatistics().LateDropped.Should().Be(1);
        (await LastFeatureAsync(engine, Sale("3", T0.AddMinutes(31), 1))).Should().Be(2);
    }

    [Fact]
    public async Task IngestAsync_DuplicateIdWithinLateness_Ignored()
    {
        var engine = Engine("sum(sale.qty) over 1h");
        await engine.IngestAsync(Sale("1", T0, 5));

        var result = await engine.IngestAsync(Sale("1", T0, 5));

        result.Duplicates.Should().Be(1);
        (await LastFeatureAsync(engine, Sale("2", T0.AddMinutes(1), 1))).Should().Be(6);
    }

    [Fact]
    public async Task IngestAsync_ManyIds_DeduplicationMemoryBoundedByLatenessWindow()
    {
        var engine = (SignalEngine)Engine("count(sale) over 1h", o => o.AllowedLateness = TimeSpan.FromMinutes(1));
        for (var i = 0; i < 10_000; i++)
        {
            await engine.IngestAsync(Sale(i.ToString(), T0.AddSeconds(i), 1));
        }

        engine.Processor.TrackedEventIds.Should().BeLessThanOrEqualTo(61);
    }

    [Fact]
    public async Task IngestAsync_FloodOf100000Subjects_MemoryBoundedByMaxSubjects()
    {
        var engine = (SignalEngine)Engine("sum(sale.qty) over 1h", o => o.MaxSubjects = 1_000);
        var batch = new List<RawEvent>(100_000);
        for (var i = 0; i < 100_000; i++)
        {
            batch.Add(Ev(i.ToString(), "sale", T0.AddMilliseconds(i), """{"qty":1}""", ("sku", "SKU-" + i)));
        }

        var result = await engine.IngestAsync(batch);

        result.Accepted.Should().Be(100_000);
        var stats = engine.GetEngineStatistics();
        stats.Subjects.Should().Be(2_000, "1,000 per feature and 1,000 per signal");
        stats.SubjectsEvicted.Should().Be(2 * 99_000);
    }

    [Fact]
    public async Task IngestAsync_UnknownEventType_CountedAndIgnored()
    {
        var engine = Engine("sum(sale.qty) over 1h");

        var result = await engine.IngestAsync(Ev("x", "page_viewed", T0, "{}", ("sku", "A")));

        result.UnknownTypes.Should().Be(1);
        engine.GetEngineStatistics().UnknownTypes.Should().Be(1);
    }

    [Fact]
    public async Task IngestAsync_UnknownEventTypeWhenRejecting_ThrowsTypedError()
    {
        var engine = Engine("sum(sale.qty) over 1h", o => o.UnknownEventTypes = UnknownEventTypeHandling.Reject);

        var act = async () => await engine.IngestAsync(Ev("x", "page_viewed", T0, "{}", ("sku", "A")));

        (await act.Should().ThrowAsync<SignalEventException>()).Which.Error.Should().Be(SignalEventError.UnknownEventType);
    }

    [Theory]
    [InlineData("[1,2]")]
    [InlineData("""{"qty":"many"}""")]
    public async Task IngestAsync_MalformedPayload_ThrowsTypedErrorAndChangesNothing(string payload)
    {
        var engine = Engine("sum(sale.qty) over 1h");

        var act = async () => await engine.IngestAsync(Ev("bad", "sale", T0, payload, ("sku", "A")));

        (await act.Should().ThrowAsync<SignalEventException>()).Which.Error.Should().Be(SignalEventError.MalformedPayload);
        engine.GetEngineStatistics().Rejected.Should().Be(1);
        (await LastFeatureAsync(engine, Sale("ok", T0, 3))).Should().Be(3);
    }

    [Fact]
    public void RawEventCreate_InvalidJson_ThrowsTypedError()
    {
        var act = () => RawEvent.Create("bad", "sale", T0, new Dictionary<string, string>(), "{qty:");

        act.Should().Throw<SignalEventException>().Which.Error.Should().Be(SignalEventError.MalformedPayload);
    }

    [Fact]
    public async Task IngestAsync_DeclaredTypeMissingSubjectKey_ThrowsTypedError()
    {
        var engine = Engine("sum(sale.qty) over 1h", more: b => b.DeclareEventType("sale", "sku", "location"));

        var act = async () => await engine.IngestAsync(Sale("1", T0, 1));

        var error = (await act.Should().ThrowAsync<SignalEventException>()).Which;
        error.Error.Should().Be(SignalEventError.MissingSubjectKey);
        error.Message.Should().Contain("'location'");
    }

    [Fact]
    public async Task IngestAsync_BatchWithRejectedEvent_ReportsItAndContinues()
    {
        var engine = Engine("sum(sale.qty) over 1h");

        var result = await engine.IngestAsync([Sale("1", T0, 1), Ev("2", "sale", T0, """{"qty":true}""", ("sku", "A")), Sale("3", T0, 2)]);

        result.Accepted.Should().Be(2);
        result.Rejections.Should().ContainSingle().Which.EventId.Should().Be("2");
        result.Signals[^1].Attributes["f"].Should().Be(3);
    }

    [Fact]
    public async Task IngestAsync_EventWithoutFeatureKeys_DoesNotFeedAndIsNoError()
    {
        var engine = Engine("sum(sale.qty) over 1h");

        var result = await engine.IngestAsync(Ev("1", "sale", T0, """{"qty":5}""", ("location", "DC-East")));

        result.Accepted.Should().Be(1);
        result.Signals.Should().BeEmpty();
    }

    [Fact]
    public async Task IngestAsync_ThresholdRule_UsesLogisticConfidence()
    {
        var definition = SignalDefinition.Create("STOCKOUT_RISK").For("sku")
            .Feature("on_hand", "last(stock.on_hand)")
            .Score(ScoringRule.Threshold("on_hand", threshold: 50, scale: 10, ThresholdDirection.Below))
            .Threshold(0.5).Build();
        var engine = new SignalEngineBuilder().AddSignal(definition).Build();

        var result = await engine.IngestAsync(Ev("1", "stock", T0, """{"on_hand":30}""", ("sku", "BRS-003")));

        result.Signals.Single().Confidence.Should().BeApproximately(1 / (1 + Math.Exp(-(50.0 - 30) / 10)), 1e-12);
    }

    [Fact]
    public async Task IngestAsync_ZScoreRule_ScoresSpikeAgainstOwnBaseline()
    {
        var definition = SignalDefinition.Create("DEMAND_Z").For("sku")
            .Feature("qty", "last(sale.qty)")
            .Score(ScoringRule.ZScore("qty", center: 3, minObservations: 4))
            .Threshold(0.5).Calibrate(new SignalCalibration { ShadowMargin = 0 }).Build();
        var engine = new SignalEngineBuilder().AddSignal(definition).Build();
        double[] baseline = [10, 12, 8, 10];
        for (var i = 0; i < baseline.Length; i++)
        {
            (await engine.IngestAsync(Sale(i.ToString(), T0.AddMinutes(i), baseline[i]))).Signals.Should().BeEmpty();
        }

        var spike = await engine.IngestAsync(Sale("s", T0.AddMinutes(10), 30));

        var mean = baseline.Average();
        var std = Math.Sqrt(baseline.Sum(x => (x - mean) * (x - mean)) / (baseline.Length - 1));
        var z = (30 - mean) / std;
        spike.Signals.Single().Confidence.Should().BeApproximately(1 / (1 + Math.Exp(-(z - 3))), 1e-12);
    }

    [Fact]
    public async Task IngestAsync_DwellRule_ZeroWithinSlaThenRising()
    {
        var definition = SignalDefinition.Create("LOOP_STUCK").For("aggregate")
            .Feature("dwell_hours", "last(loop_dwell.hours)")
            .Score(ScoringRule.Dwell("dwell_hours", sla: 24))
            .Threshold(0.1).Build();
        var engine = new SignalEngineBuilder().AddSignal(definition).Build();

        (await engine.IngestAsync(Ev("1", "loop_dwell", T0, """{"hours":20}""", ("aggregate", "PO-1")))).Signals.Should().OnlyContain(s => s.Status == SignalStatus.Suppressed && s.Confidence == 0);
        var late = await engine.IngestAsync(Ev("2", "loop_dwell", T0, """{"hours":48}""", ("aggregate", "PO-2")));

        late.Signals.Single(s => s.Status == SignalStatus.Emitted).Confidence.Should().BeApproximately(1 - Math.Exp(-1), 1e-12);
    }
}
