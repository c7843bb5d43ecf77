using LoopEngine.Signals;

namespace LoopEngine.Conformance.Signals;

/// <summary>The contract every <see cref="ISignalStore"/> keeps. A store's test project derives from this class.</summary>
public abstract class SignalStoreConformanceTests
{
    private static readonly DateTimeOffset T0 = new(2026, 2, 14, 9, 0, 0, TimeSpan.Zero);

    /// <summary>Creates an empty store.</summary>
    /// <returns>The store.</returns>
    protected abstract ISignalStore CreateStore();

    /// <summary>
    /// Opens another store on the database of <paramref name="first"/> (another instance, other connections), so reads and
    /// races go through a second instance; a store that cannot be shared (in process memory) returns <paramref name="first"/>.
    /// </summary>
    /// <param name="first">A store from <see cref="CreateStore"/>.</param>
    /// <returns>The store.</returns>
    protected abstract ISignalStore CreateStoreOnSameDatabase(ISignalStore first);

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

    [StoreFact]
    public async Task TryAddSignalAsync_EveryField_ReadsBackExactly()
    {
        var store = CreateStore();
        var subject = new Dictionary<string, string>(StringComparer.Ordinal) { ["zone"] = "Z-9", ["sku"] = "BRS-001", ["location"] = "DC-East" };
        var attributes = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["sum"] = 0.1 + 0.2, ["neg_zero"] = -0.0, ["tiny"] = double.Epsilon, ["max"] = double.MaxValue, ["min"] = double.MinValue,
            ["nan"] = double.NaN, ["inf"] = double.PositiveInfinity, ["ninf"] = double.NegativeInfinity, ["third"] = 1.0 / 3,
        };
        var signal = NewSignal("sig_EXACT_e1") with
        {
            Subject = subject,
            Attributes = attributes,
            Confidence = 0.1 + 0.2,
            Threshold = 1.0 / 3,
            OccurredAt = new DateTimeOffset(2026, 2, 14, 9, 0, 0, 123, TimeSpan.FromHours(5.5)).AddTicks(4567),
            DetectedAt = new DateTimeOffset(2026, 2, 14, 3, 31, 0, TimeSpan.FromHours(-7)).AddTicks(1),
            Status = SignalStatus.Suppressed,
            LoopId = "scm.replenishment",
            AggregateId = "REPLEN-2026-0041",
            OpenedLoop = true,
            Label = SignalLabel.Hit,
        };

        await store.TryAddSignalAsync(signal);
        var read = await CreateStoreOnSameDatabase(store).GetSignalAsync(signal.Id);

        read!.Subject.Should().Equal(subject);
        read.Subject.Keys.Should().Equal("zone", "sku", "location");
        read.SubjectText.Should().Be("Z-9@BRS-001@DC-East");
        read.Attributes.Keys.Should().Equal(attributes.Keys);
        read.Attributes.Select(a => BitConverter.DoubleToInt64Bits(a.Value)).Should().Equal(attributes.Values.Select(BitConverter.DoubleToInt64Bits));
        BitConverter.DoubleToInt64Bits(read.Confidence).Should().Be(BitConverter.DoubleToInt64Bits(0.1 + 0.2));
        read.Threshold.Should().Be(1.0 / 3);
        read.OccurredAt.Should().Be(signal.OccurredAt);
        read.OccurredAt.Offset.Should().Be(TimeSpan.FromHours(5.5));
        read.DetectedAt.Offset.Should().Be(TimeSpan.FromHours(-7));
        read.DetectedAt.UtcTicks.Should().Be(signal.DetectedAt.UtcTicks);
        read.Should().BeEquivalentTo(signal, o => o.Excluding(s => s.Subject).Excluding(s => s.Attributes));
        (await store.ListRecentSignalsAsync(5, includeSuppressed: true)).Single().Should().BeEquivalentTo(read);
    }

    [StoreFact]
    public async Task EveryOperation_HostileIdentifiers_StoredVerbatim()
    {
        var store = CreateStore();
        const string Hostile = "DEMAND'\"; DROP TABLE signals; -- 💥 ünï 名前 %_";
        const string Org = "org'; DELETE FROM signals; --";
        var signal = NewSignal("sig_" + Hostile + "_e'1") with
        {
            Type = Hostile,
            OrgId = Org,
            Subject = new Dictionary<string, string> { ["sku'--"] = "BRS;\"001\"", ["名前"] = "💥" },
            Attributes = new Dictionary<string, double> { ["on_hand'; --"] = 12 },
            EventId = "e'; --",
        };
        var key = "scm.replenishment|" + Hostile + "|" + signal.SubjectText;

        (await store.TryAddSignalAsync(signal)).Should().BeTrue();
        (await store.TryAddSignalAsync(signal)).Should().BeFalse();
        await store.UpdateSignalAsync(signal with { AggregateId = "REPLEN-'; --", Label = SignalLabel.Hit });
        await store.SetOpenLoopAsync(Org, key, "REPLEN-'; --");
        await store.AddThresholdChangeAsync(new ThresholdChange { SignalType = Hostile, ThresholdBefore = 0.7, ThresholdAfter = 0.75, PrecisionBefore = 0.5, PrecisionAfter = 0.8, SampleSize = 10, TargetPrecision = 0.8, ChangedAt = T0 });
        await store.SetPositionAsync("position '; --", 7);

        var reader = CreateStoreOnSameDatabase(store);
        var read = await reader.GetSignalAsync(signal.Id);
        read!.Type.Should().Be(Hostile);
        read.OrgId.Should().Be(Org);
        read.Subject.Should().Equal(signal.Subject);
        read.Attributes.Should().Equal(signal.Attributes);
        read.EventId.Should().Be("e'; --");
        (await reader.ListSignalsByAggregateAsync(Org, "REPLEN-'; --")).Select(s => s.Id).Should().Equal(signal.Id);
        (await reader.ListLabelledSignalsAsync(Hostile, 5)).Select(s => s.Id).Should().Equal(signal.Id);
        (await reader.GetOpenLoopAsync(Org, key)).Should().Be("REPLEN-'; --");
        (await reader.GetThresholdAsync(Hostile)).Should().Be(0.75);
        (await reader.ListThresholdChangesAsync(Hostile)).Should().ContainSingle();
        (await reader.GetPositionAsync("position '; --")).Should().Be(7);
        (await reader.ListRecentSignalsAsync(10)).Select(s => s.Id).Should().Equal(signal.Id);
    }

    [StoreFact]
    public async Task TryAddSignalAsync_ConcurrentAddsOfOneId_ExactlyOneWins()
    {
        var first = CreateStore();
        var stores = Enumerable.Range(0, 4).Select(i => i == 0 ? first : CreateStoreOnSameDatabase(first)).ToArray();

        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(async () => await stores[i % stores.Length].TryAddSignalAsync(NewSignal("s1", confidence: i / 100.0)))));

        results.Count(r => r).Should().Be(1);
        (await first.ListRecentSignalsAsync(10)).Should().ContainSingle();
    }

    [StoreFact]
    public async Task AddThresholdChangeAsync_ConcurrentChanges_EveryChangeKeptAndCurrentIsOneOfThem()
    {
        var first = CreateStore();
        var stores = Enumerable.Range(0, 4).Select(i => i == 0 ? first : CreateStoreOnSameDatabase(first)).ToArray();
        var change = new ThresholdChange { SignalType = "DEMAND_SPIKE", ThresholdBefore = 0.7, ThresholdAfter = 0.7, PrecisionBefore = 0.6, PrecisionAfter = 0.7, SampleSize = 40, TargetPrecision = 0.8, ChangedAt = T0 };

        await Task.WhenAll(Enumerable.Range(1, 12).Select(i => Task.Run(async () => await stores[i % stores.Length].AddThresholdChangeAsync(change with { ThresholdAfter = 0.7 + (i / 100.0) }))));

        var changes = await first.ListThresholdChangesAsync("DEMAND_SPIKE");
        changes.Select(c => c.ThresholdAfter).Should().BeEquivalentTo(Enumerable.Range(1, 12).Select(i => 0.7 + (i / 100.0)));
        (await first.GetThresholdAsync("DEMAND_SPIKE")).Should().Be(changes[^1].ThresholdAfter);
    }
}
