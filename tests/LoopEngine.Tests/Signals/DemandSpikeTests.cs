using System.Text.Json;
using LoopEngine.Signals;
using Microsoft.Extensions.Time.Testing;
using static LoopEngine.Tests.Signals.SignalTestEvents;

namespace LoopEngine.Tests.Signals;

public sealed class DemandSpikeTests
{
    private readonly FakeTimeProvider _time = new(T0.AddHours(1).AddMinutes(2));
    private readonly InMemoryLoopStore _loopStore = new();
    private readonly FakeLoopEngine _loops = new();
    private readonly InMemorySignalStore _signalStore = new();

    /// <summary>The documented DEMAND_SPIKE formula, computed here independently of the engine.</summary>
    private static double ExpectedConfidence(double onHand, double reorderPoint, double unitsSold, double baselineDaily, double delayDays)
    {
        const double stockWeight = 0.5, demandWeight = 0.3, delayWeight = 0.2, saturationRatio = 2.5, fullDelayDays = 5;
        var stock = Math.Clamp((reorderPoint - onHand) / reorderPoint, 0, 1);
        var demand = Math.Clamp(((unitsSold / baselineDaily) - 1) / (saturationRatio - 1), 0, 1);
        var delay = Math.Clamp(delayDays / fullDelayDays, 0, 1);
        return (stockWeight * stock) + (demandWeight * demand) + (delayWeight * delay);
    }

    private ISignalEngine CreateEngine(ISignalStore? store = null) => new SignalEngineBuilder()
        .AddSignal(ScmSignals.DemandSpike())
        .AddTrigger(ScmSignals.ReplenishmentTrigger())
        .UseReferenceData(PageReferenceData())
        .Build(store ?? _signalStore, _loops, _loopStore, _time);

    [Fact]
    public async Task IngestAsync_PageExample_EmitsDemandSpikeWithFormulaConfidence()
    {
        var engine = CreateEngine();

        var result = await engine.IngestAsync(PageEvents());

        var signal = result.Signals.Should().ContainSingle().Subject;
        signal.Type.Should().Be("DEMAND_SPIKE");
        signal.Subject.Should().Equal(new Dictionary<string, string> { ["sku"] = "BRS-001", ["location"] = "DC-East" });
        var expected = ExpectedConfidence(onHand: 12, reorderPoint: 50, unitsSold: 847, baselineDaily: 300, delayDays: 4);
        signal.Confidence.Should().BeApproximately(expected, 1e-12);
        Math.Round(signal.Confidence, 2).Should().Be(0.84);
        signal.Attributes["on_hand"].Should().Be(12);
        signal.Attributes["reorder_point"].Should().Be(50);
        signal.Status.Should().Be(SignalStatus.Emitted);
        signal.Threshold.Should().Be(0.7);
    }

    [Fact]
    public async Task IngestAsync_PageExampleWithSequenceSeededAt41_OpensReplen2026_0041()
    {
        await _loopStore.SeedSequenceAsync("default", "REPLEN-2026", 41);
        var engine = CreateEngine();

        var result = await engine.IngestAsync(PageEvents());

        var signal = result.Signals.Single();
        signal.AggregateId.Should().Be("REPLEN-2026-0041");
        signal.OpenedLoop.Should().BeTrue();
        var start = _loops.Starts.Should().ContainSingle().Subject;
        start.LoopId.Should().Be("scm.replenishment");
        start.Version.Should().Be("2.0.0");
        start.CausationId.Should().Be(signal.Id);
        start.Actor.Id.Should().Be("system:demand-signal");
        start.Evidence!.Root.GetProperty("signalType").GetString().Should().Be("DEMAND_SPIKE");
        start.Evidence.Root.GetProperty("attributes").GetProperty("on_hand").GetDouble().Should().Be(12);

        var events = await _loopStore.ReadEventsAsync(0, 100);
        events.Select(e => e.Type).Should().Equal(LoopEventTypes.SignalEmitted, LoopEventTypes.SignalReceived);
        using var received = JsonDocument.Parse(events[1].Json);
        received.RootElement.GetProperty("signalType").GetString().Should().Be("DEMAND_SPIKE");
        received.RootElement.GetProperty("confidence").GetDouble().Should().Be(signal.Confidence);
        received.RootElement.GetProperty("triggeredLoopId").GetString().Should().Be("REPLEN-2026-0041");
        received.RootElement.GetProperty("causationId").GetString().Should().Be(signal.Id);
        received.RootElement.GetProperty("aggregateId").GetString().Should().Be("REPLEN-2026-0041");
    }

    [Fact]
    public async Task IngestAsync_SecondSpikeWhileLoopOpen_AttachesInsteadOfOpeningAnother()
    {
        var engine = CreateEngine();
        await engine.IngestAsync(PageEvents());

        // After the cooldown, the same subject spikes again while REPLEN-...-0001 is still open.
        var later = Ev("e4", "stock_movement", T0.AddHours(3), """{"on_hand":10}""", ("sku", "BRS-001"), ("location", "DC-East"));
        var result = await engine.IngestAsync(later);

        _loops.Starts.Should().ContainSingle();
        var attached = result.Signals.Single();
        attached.AggregateId.Should().Be(_loops.Starts[0].AggregateId);
        attached.OpenedLoop.Should().BeFalse();

        // Stored, announced, and announced to the open loop it joined.
        (await _signalStore.GetSignalAsync(attached.Id))!.AggregateId.Should().Be(attached.AggregateId);
        var events = await _loopStore.ReadEventsAsync(0, 100);
        events.Select(e => e.Type).Should().Equal(LoopEventTypes.SignalEmitted, LoopEventTypes.SignalReceived, LoopEventTypes.SignalEmitted, LoopEventTypes.SignalReceived);
        using var received = JsonDocument.Parse(events[3].Json);
        received.RootElement.GetProperty("aggregateId").GetString().Should().Be(attached.AggregateId);
        received.RootElement.GetProperty("causationId").GetString().Should().Be(attached.Id);
    }

    [Fact]
    public async Task IngestAsync_SameSubjectWithinCooldown_EmitsOnce()
    {
        var engine = CreateEngine();
        await engine.IngestAsync(PageEvents());

        var result = await engine.IngestAsync(Ev("e5", "stock_movement", T0.AddHours(1).AddMinutes(10), """{"on_hand":11}""", ("sku", "BRS-001"), ("location", "DC-East")));

        result.Signals.Should().BeEmpty();
        engine.GetEngineStatistics().CooledDown.Should().Be(1);
    }

    [Fact]
    public async Task IngestAsync_ReplayAfterRestart_DoesNotTriggerAgain()
    {
        await CreateEngine().IngestAsync(PageEvents());

        // A new engine on the same stores (a restart) sees the same events again.
        var restarted = CreateEngine();
        var result = await restarted.IngestAsync(PageEvents());

        _loops.Starts.Should().ContainSingle();
        result.Signals.Single().AggregateId.Should().Be(_loops.Starts[0].AggregateId);
    }

    [Fact]
    public async Task FollowLoopOutcomesAsync_LoopDismissed_LabelsMissAndFreesSubject()
    {
        var engine = CreateEngine();
        var signal = (await engine.IngestAsync(PageEvents())).Signals.Single();
        using var cts = new CancellationTokenSource();
        var follower = engine.FollowLoopOutcomesAsync(cts.Token);

        _loops.End(signal.AggregateId!, "DISMISSED", LoopStatus.Closed);
        var labelled = await WaitForLabelAsync(signal.Id);
        await cts.CancelAsync();
        await follower.Invoking(f => f).Should().ThrowAsync<OperationCanceledException>();

        labelled.Label.Should().Be(SignalLabel.Miss);
        engine.GetStatistics("DEMAND_SPIKE").SampleSize.Should().Be(1);
        var next = await engine.IngestAsync(Ev("e6", "stock_movement", T0.AddHours(3), """{"on_hand":9}""", ("sku", "BRS-001"), ("location", "DC-East")));
        next.Signals.Single().OpenedLoop.Should().BeTrue();
        _loops.Starts.Should().HaveCount(2);
    }

    [Fact]
    public async Task GetLiveSignalsAsync_AfterEmission_ListsTypeSubjectConfidenceAndAge()
    {
        var engine = CreateEngine();
        await engine.IngestAsync(PageEvents());
        _time.Advance(TimeSpan.FromMinutes(2));

        var live = await engine.GetLiveSignalsAsync();

        var row = live.Should().ContainSingle().Subject;
        row.Type.Should().Be("DEMAND_SPIKE");
        row.Subject.Should().Be("BRS-001@DC-East");
        Math.Round(row.Confidence, 2).Should().Be(0.84);
        row.Age.Should().Be(TimeSpan.FromMinutes(2));
    }

    private async Task<Signal> WaitForLabelAsync(string id)
    {
        for (var i = 0; i < 200; i++)
        {
            var s = await _signalStore.GetSignalAsync(id);
            if (s?.Label is not null)
            {
                return s;
            }

            await Task.Delay(10);
        }

        throw new TimeoutException("The signal was not labelled.");
    }
}
