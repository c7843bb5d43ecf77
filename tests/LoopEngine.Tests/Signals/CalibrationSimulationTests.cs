using System.Text.Json;
using LoopEngine.Signals;
using static LoopEngine.Tests.Signals.SignalTestEvents;

namespace LoopEngine.Tests.Signals;

public sealed class CalibrationSimulationTests
{
    /// <summary>
    /// Ground truth: each candidate's score c is uniform in [0, 1) and it is a true spike with probability c, so the true
    /// precision at threshold t is (1 + t) / 2 and the target 0.8 is reached at t = 0.6. The threshold starts at 0.3
    /// (true precision 0.65); every candidate is labelled with its ground truth.
    /// </summary>
    [Fact]
    public async Task LabelAsync_SimulatedGroundTruth_ThresholdConvergesToTargetPrecisionWithin300Labels()
    {
        var random = new SeededLoopRandom(20260214);
        var calibration = new SignalCalibration { TargetPrecision = 0.8, Window = 300, MinSamples = 50, MaxStep = 0.02, ShadowMargin = 1 };
        var definition = SignalDefinition.Create("PROBE").For("sku")
            .Feature("score", "last(probe.score)")
            .Score(ScoringRule.Custom("the probe's score", ["score"], a => a.TryGetValue("score", out var v) ? v : null))
            .Threshold(0.3).Calibrate(calibration).Build();
        var store = new InMemorySignalStore();
        var engine = new SignalEngineBuilder().AddSignal(definition).Build(store);

        for (var i = 0; i < 300; i++)
        {
            var score = random.NextDouble();
            var isSpike = random.NextDouble() < score;
            var payload = JsonSerializer.Serialize(new { score });
            var signal = (await engine.IngestAsync(Ev("e" + i, "probe", T0.AddSeconds(i), payload, ("sku", "S" + i)))).Signals.Single();
            await engine.LabelAsync(signal.Id, isSpike ? SignalLabel.Hit : SignalLabel.Miss);
        }

        var stats = engine.GetStatistics("PROBE");
        var truePrecision = (1 + stats.Threshold) / 2;
        truePrecision.Should().BeGreaterThanOrEqualTo(0.77, "the threshold {0} should have converged near 0.6", stats.Threshold);
        stats.Threshold.Should().BeInRange(0.54, 0.7);
        stats.Precision.Should().BeGreaterThanOrEqualTo(0.75);

        var changes = await store.ListThresholdChangesAsync("PROBE");
        changes.Should().NotBeEmpty();
        changes.Should().OnlyContain(c => Math.Abs(c.ThresholdAfter - c.ThresholdBefore) <= 0.02 + 1e-12 && c.SampleSize >= 50);
        changes[0].ThresholdBefore.Should().Be(0.3);
        changes[0].PrecisionAfter.Should().BeGreaterThanOrEqualTo(changes[0].PrecisionBefore);
    }

    [Fact]
    public async Task LabelAsync_FewerLabelsThanMinimumSample_KeepsThreshold()
    {
        var definition = SignalDefinition.Create("PROBE").For("sku")
            .Feature("score", "last(probe.score)")
            .Score(ScoringRule.Custom("score", ["score"], a => a.TryGetValue("score", out var v) ? v : null))
            .Threshold(0.3).Calibrate(new SignalCalibration { MinSamples = 10 }).Build();
        var store = new InMemorySignalStore();
        var engine = new SignalEngineBuilder().AddSignal(definition).Build(store);

        for (var i = 0; i < 9; i++)
        {
            var signal = (await engine.IngestAsync(Ev("e" + i, "probe", T0, """{"score":0.4}""", ("sku", "S" + i)))).Signals.Single();
            await engine.LabelAsync(signal.Id, SignalLabel.Miss);
        }

        engine.GetStatistics("PROBE").Threshold.Should().Be(0.3);
        (await store.ListThresholdChangesAsync("PROBE")).Should().BeEmpty();
    }

    [Fact]
    public async Task LabelAsync_ThresholdChange_AnnouncedAsAuditableEvent()
    {
        var definition = SignalDefinition.Create("PROBE").For("sku")
            .Feature("score", "last(probe.score)")
            .Score(ScoringRule.Custom("score", ["score"], a => a.TryGetValue("score", out var v) ? v : null))
            .Threshold(0.3).Calibrate(new SignalCalibration { MinSamples = 2, TargetPrecision = 0.9 }).Build();
        var loopStore = new InMemoryLoopStore();
        var engine = new SignalEngineBuilder().AddSignal(definition).Build(new InMemorySignalStore(), new FakeLoopEngine(), loopStore);

        var a = (await engine.IngestAsync(Ev("a", "probe", T0, """{"score":0.4}""", ("sku", "A")))).Signals.Single();
        var b = (await engine.IngestAsync(Ev("b", "probe", T0, """{"score":0.9}""", ("sku", "B")))).Signals.Single();
        await engine.LabelAsync(a.Id, SignalLabel.Miss);
        await engine.LabelAsync(b.Id, SignalLabel.Hit);

        var events = await loopStore.ReadEventsAsync(0, 100);
        var changed = events.Should().ContainSingle(e => e.Type == LoopEventTypes.ThresholdChanged).Subject;
        using var json = JsonDocument.Parse(changed.Json);
        json.RootElement.GetProperty("thresholdBefore").GetDouble().Should().Be(0.3);
        json.RootElement.GetProperty("thresholdAfter").GetDouble().Should().BeApproximately(0.35, 1e-12);
        json.RootElement.GetProperty("precisionBefore").GetDouble().Should().Be(0.5);
        json.RootElement.GetProperty("sampleSize").GetInt32().Should().Be(2);
    }
}
