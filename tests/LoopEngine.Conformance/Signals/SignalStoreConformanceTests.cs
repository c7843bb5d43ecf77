using LoopEngine.Signals;

namespace LoopEngine.Conformance.Signals;

/// <summary>The contract every <see cref="ISignalStore"/> keeps. A store's test project derives from this class.</summary>
public abstract class SignalStoreConformanceTests
{
    private static readonly DateTimeOffset T0 = new(2026, 2, 14, 9, 0, 0, TimeSpan.Zero);

    /// <summary>Creates an empty store.</summary>
    /// <returns>The store.</returns>
    protected abstract ISignalStore CreateStore();

    private static Signal NewSignal(string id, string type = "DEMAND_SPIKE", double confidence = 0.84, int minute = 0, SignalStatus status = SignalStatus.Emitted) => new()
    {
        Id = id,
        Type = type,
        OrgId = "default",
        Subject = new Dictionary<string, string> { ["sku"] = "BRS-001", ["location"] = "DC-East" },
        Confidence = confidence,
        Threshold = 0.7,
        Attributes = new Dictionary<string, double> { ["on_hand"] = 12, ["reorder_point"] = 50 },
        OccurredAt = T0.AddMinutes(minute),
        DetectedAt = T0.AddMinutes(minute),
        Status = status,
        EventId = "e-" + id,
    };

    [StoreFact]
    public async Task TryAddSignalAsync_SameIdTwice_SecondIsIgnored()
    {
        var store = CreateStore();

        (await store.TryAddSignalAsync(NewSignal("s1"))).Should().BeTrue();
        (await store.TryAddSignalAsync(NewSignal("s1", confidence: 0.1))).Should().BeFalse();

        var stored = await store.GetSignalAsync("s1");
        stored!.Confidence.Should().Be(0.84);
        stored.Subject.Should().Equal(new Dictionary<string, string> { ["sku"] = "BRS-001", ["location"] = "DC-East" });
        stored.Attributes["reorder_point"].Should().Be(50);
    }

    [StoreFact]
    public async Task UpdateSignalAsync_TriggerAndLabel_AreReadBack()
    {
        var store = CreateStore();
        await store.TryAddSignalAsync(NewSignal("s1"));

        await store.UpdateSignalAsync(NewSignal("s1") with { LoopId = "scm.replenishment", AggregateId = "REPLEN-2026-0041", OpenedLoop = true, Label = SignalLabel.Miss });

        var stored = await store.GetSignalAsync("s1");
        stored!.AggregateId.Should().Be("REPLEN-2026-0041");
        stored.OpenedLoop.Should().BeTrue();
        stored.Label.Should().Be(SignalLabel.Miss);
        (await store.ListSignalsByAggregateAsync("default", "REPLEN-2026-0041")).Select(s => s.Id).Should().Equal("s1");
    }

    [StoreFact]
    public async Task UpdateSignalAsync_UnknownSignal_Throws()
    {
        var store = CreateStore();

        var act = async () => await store.UpdateSignalAsync(NewSignal("nope"));

        await act.Should().ThrowAsync<KeyNotFoundException>();
    }

    [StoreFact]
    public async Task ListRecentSignalsAsync_Mixed_NewestFirstWithoutSuppressed()
    {
        var store = CreateStore();
        await store.TryAddSignalAsync(NewSignal("old", minute: 0));
        await store.TryAddSignalAsync(NewSignal("new", minute: 5));
        await store.TryAddSignalAsync(NewSignal("shadow", minute: 9, status: SignalStatus.Suppressed));

        (await store.ListRecentSignalsAsync(10)).Select(s => s.Id).Should().Equal("new", "old");
        (await store.ListRecentSignalsAsync(1, includeSuppressed: true)).Select(s => s.Id).Should().Equal("shadow");
    }

    [StoreFact]
    public async Task ListLabelledSignalsAsync_Labelled_InLabellingOrderLimitedToLatest()
    {
        var store = CreateStore();
        foreach (var id in new[] { "a", "b", "c", "d" })
        {
            await store.TryAddSignalAsync(NewSignal(id));
        }

        await store.UpdateSignalAsync(NewSignal("c") with { Label = SignalLabel.Hit });
        await store.UpdateSignalAsync(NewSignal("a") with { Label = SignalLabel.Miss });
        await store.UpdateSignalAsync(NewSignal("d") with { Label = SignalLabel.Hit });

        (await store.ListLabelledSignalsAsync("DEMAND_SPIKE", 2)).Select(s => s.Id).Should().Equal("a", "d");
        (await store.ListLabelledSignalsAsync("OTHER", 10)).Should().BeEmpty();
    }

    [StoreFact]
    public async Task SetOpenLoopAsync_SetAndClear_RoundTrips()
    {
        var store = CreateStore();

        await store.SetOpenLoopAsync("default", "k", "REPLEN-2026-0041");
        (await store.GetOpenLoopAsync("default", "k")).Should().Be("REPLEN-2026-0041");
        (await store.GetOpenLoopAsync("other-org", "k")).Should().BeNull();
        await store.SetOpenLoopAsync("default", "k", null);
        (await store.GetOpenLoopAsync("default", "k")).Should().BeNull();
    }

    [StoreFact]
    public async Task AddThresholdChangeAsync_Change_RecordedAndCurrent()
    {
        var store = CreateStore();
        (await store.GetThresholdAsync("DEMAND_SPIKE")).Should().BeNull();
        var change = new ThresholdChange { SignalType = "DEMAND_SPIKE", ThresholdBefore = 0.7, ThresholdAfter = 0.72, PrecisionBefore = 0.6, PrecisionAfter = 0.7, SampleSize = 40, TargetPrecision = 0.8, ChangedAt = T0 };

        await store.AddThresholdChangeAsync(change);
        await store.AddThresholdChangeAsync(change with { ThresholdBefore = 0.72, ThresholdAfter = 0.74 });

        (await store.GetThresholdAsync("DEMAND_SPIKE")).Should().Be(0.74);
        (await store.ListThresholdChangesAsync("DEMAND_SPIKE")).Should().HaveCount(2).And.Subject.First().Should().Be(change);
    }

    [StoreFact]
    public async Task SetPositionAsync_Position_RoundTrips()
    {
        var store = CreateStore();

        (await store.GetPositionAsync("signals.outcomes")).Should().BeNull();
        await store.SetPositionAsync("signals.outcomes", 42);

        (await store.GetPositionAsync("signals.outcomes")).Should().Be(42);
    }
}
