using LoopEngine.Learning;

namespace LoopEngine.Conformance.Learning;

/// <summary>The contract every <see cref="ILearningStore"/> keeps; a store's test class inherits it and supplies the store.</summary>
public abstract class LearningStoreConformanceTests
{
    private static readonly DateTimeOffset At = new(2026, 2, 17, 9, 22, 0, TimeSpan.Zero);

    /// <summary>Creates an empty store.</summary>
    protected abstract ILearningStore CreateStore();

    /// <summary>
    /// Opens another store on the database of <paramref name="first"/> (another instance, other connections), so reads and
    /// races go through a second instance; a store that cannot be shared (in process memory) returns <paramref name="first"/>.
    /// </summary>
    /// <param name="first">A store from <see cref="CreateStore"/>.</param>
    /// <returns>The store.</returns>
    protected abstract ILearningStore CreateStoreOnSameDatabase(ILearningStore first);

    private static LoopOutcome Outcome(string org, string aggregate, double actual) => new()
    {
        OrgId = org, LoopId = "scm.replenishment", DefinitionVersion = "2.0.0", AggregateId = aggregate, CorrelationId = "corr",
        OutcomeId = "replenishment_closed", ValueUnit = "loop", Status = LoopStatus.Closed, FinalState = "STOCK_STABILIZED",
        OpenedAt = At.AddDays(-16), ClosedAt = At, RecordedAt = At, EventId = "evt-1",
        Metrics = [new MetricComparison { MetricId = "demand", Kind = OutcomeMetricKind.Number, Unit = "units", Predicted = OutcomeValue.Number(200), Actual = OutcomeValue.Number(actual), Delta = actual - 200 }],
    };

    private static Estimate Estimate(string org, long version, double value) => new()
    {
        OrgId = org, Key = "supplier_lead_time:SUP-ACME", Estimator = EstimatorKind.Quantile, Value = value, Unit = "days",
        Count = version, Version = version, UpdatedAt = At, LastAggregateId = "REPLEN-2026-0041", Window = [12, value],
    };

    [StoreFact]
    public async Task SaveOutcomeAsync_ThenGet_ReturnsEqualOutcome()
    {
        var store = CreateStore();
        await store.SaveOutcomeAsync(Outcome("org-a", "R-1", 260));

        var read = await store.GetOutcomeAsync("org-a", "R-1");

        read.Should().BeEquivalentTo(Outcome("org-a", "R-1", 260));
    }

    [StoreFact]
    public async Task SaveOutcomeAsync_Twice_ReplacesAndKeepsOrgsApart()
    {
        var store = CreateStore();
        await store.SaveOutcomeAsync(Outcome("org-a", "R-1", 260));
        await store.SaveOutcomeAsync(Outcome("org-a", "R-1", 300));

        (await store.GetOutcomeAsync("org-a", "R-1"))!.Metrics[0].Actual.Should().Be(OutcomeValue.Number(300));
        (await store.GetOutcomeAsync("org-b", "R-1")).Should().BeNull();
    }

    [StoreFact]
    public async Task TrySaveEstimateAsync_ExpectedVersionMatches_WritesAndReadsBack()
    {
        var store = CreateStore();

        (await store.TrySaveEstimateAsync(Estimate("org-a", 1, 14), 0)).Should().BeTrue();
        (await store.TrySaveEstimateAsync(Estimate("org-a", 2, 15), 1)).Should().BeTrue();

        (await store.GetEstimateAsync("org-a", "supplier_lead_time:SUP-ACME")).Should().BeEquivalentTo(Estimate("org-a", 2, 15));
        (await store.GetEstimateAsync("org-b", "supplier_lead_time:SUP-ACME")).Should().BeNull();
    }

    [StoreFact]
    public async Task TrySaveEstimateAsync_StaleVersion_ReturnsFalseAndWritesNothing()
    {
        var store = CreateStore();
        (await store.TrySaveEstimateAsync(Estimate("org-a", 1, 14), 0)).Should().BeTrue();

        (await store.TrySaveEstimateAsync(Estimate("org-a", 1, 99), 0)).Should().BeFalse();
        (await store.TrySaveEstimateAsync(Estimate("org-a", 3, 99), 2)).Should().BeFalse();

        (await store.GetEstimateAsync("org-a", "supplier_lead_time:SUP-ACME"))!.Value.Should().Be(14);
    }

    [StoreFact]
    public async Task TrySaveEstimateAsync_ConcurrentWriters_ExactlyOneWinsEachVersion()
    {
        var store = CreateStore();
        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => store.TrySaveEstimateAsync(Estimate("org-a", 1, i), 0).AsTask()));

        results.Count(r => r).Should().Be(1);
    }

    [StoreFact]
    public async Task TrySaveEstimateAsync_ConcurrentUpdaters_LoseNoObservation()
    {
        const int Writers = 8;
        const int PerWriter = 10;
        var first = CreateStore();
        var stores = Enumerable.Range(0, 4).Select(i => i == 0 ? first : CreateStoreOnSameDatabase(first)).ToArray();

        // Each updater reads, adds its observation and writes with the version it read, retrying when another won: the
        // loop LoopOutcomes runs. A lost update would drop an observation from the window and the count.
        await Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            var store = stores[w % stores.Length];
            for (var i = 0; i < PerWriter; i++)
            {
                var observation = (w * 1000) + i;
                for (var attempt = 0; ; attempt++)
                {
                    attempt.Should().BeLessThan(10_000, "an updater must eventually win");
                    var current = await store.GetEstimateAsync("org-a", "supplier_lead_time:SUP-ACME");
                    var version = current?.Version ?? 0;
                    var next = Estimate("org-a", version + 1, observation) with { Count = (current?.Count ?? 0) + 1, Window = [.. current?.Window ?? [], observation] };
                    if (await store.TrySaveEstimateAsync(next, version))
                    {
                        break;
                    }
                }
            }
        })));

        var final = await CreateStoreOnSameDatabase(first).GetEstimateAsync("org-a", "supplier_lead_time:SUP-ACME");
        final!.Count.Should().Be(Writers * PerWriter);
        final.Version.Should().Be(Writers * PerWriter);
        final.Window.Should().BeEquivalentTo(Enumerable.Range(0, Writers).SelectMany(w => Enumerable.Range(0, PerWriter).Select(i => (double)((w * 1000) + i))));
    }

    [StoreFact]
    public async Task SaveOutcomeAsync_EveryKindOfMetric_ReadsBackExactly()
    {
        var store = CreateStore();
        var outcome = Outcome("org-a", "R-1", 260) with
        {
            OpenedAt = new DateTimeOffset(2026, 2, 1, 8, 0, 0, TimeSpan.FromHours(1)).AddTicks(7),
            ClosedAt = new DateTimeOffset(2026, 2, 17, 9, 22, 0, TimeSpan.FromHours(-5)),
            Status = LoopStatus.Error,
            Metrics =
            [
                new MetricComparison { MetricId = "demand", Kind = OutcomeMetricKind.Number, Unit = "units", Predicted = OutcomeValue.Number(0.1 + 0.2), Actual = OutcomeValue.Number(-0.0), Delta = double.NegativeInfinity },
                new MetricComparison { MetricId = "lead_time", Kind = OutcomeMetricKind.Duration, Unit = "days", Predicted = OutcomeValue.Duration(TimeSpan.FromDays(12)), Actual = OutcomeValue.Duration(TimeSpan.FromTicks(13_824_000_000_001)), Delta = 4.000000000001, DurationDelta = TimeSpan.FromTicks(3_456_000_000_001) },
                new MetricComparison { MetricId = "risk '; --", Kind = OutcomeMetricKind.Category, Unit = "level", Predicted = OutcomeValue.Category("Low 💥"), Actual = OutcomeValue.Category("High\"; --"), IsHit = false },
                new MetricComparison { MetricId = "stockout", Kind = OutcomeMetricKind.Boolean, Unit = "boolean", Actual = OutcomeValue.Boolean(true) },
            ],
        };

        await store.SaveOutcomeAsync(outcome);
        var read = await CreateStoreOnSameDatabase(store).GetOutcomeAsync("org-a", "R-1");

        read.Should().BeEquivalentTo(outcome);
        read!.OpenedAt.Offset.Should().Be(TimeSpan.FromHours(1));
        read.ClosedAt.Offset.Should().Be(TimeSpan.FromHours(-5));
        BitConverter.DoubleToInt64Bits(read.Metrics[0].Actual!.NumberValue).Should().Be(BitConverter.DoubleToInt64Bits(-0.0));
        read.Metrics[1].Actual!.DurationValue.Ticks.Should().Be(13_824_000_000_001);
    }

    [StoreFact]
    public async Task TrySaveEstimateAsync_HostileKeyAndExactValues_ReadBackVerbatim()
    {
        var store = CreateStore();
        const string Key = "supplier_lead_time:SUP-'; DROP TABLE estimates; -- 💥 名前";
        var estimate = Estimate("org '; --", 1, 0.1 + 0.2) with
        {
            Key = Key,
            Estimator = EstimatorKind.RunningMean,
            UpdatedAt = new DateTimeOffset(2026, 2, 17, 9, 22, 0, TimeSpan.FromHours(9)).AddTicks(3),
            LastAggregateId = "R-'\"--",
            Window = [double.Epsilon, -0.0, 1.0 / 3, double.MaxValue],
        };

        (await store.TrySaveEstimateAsync(estimate, 0)).Should().BeTrue();
        var read = await CreateStoreOnSameDatabase(store).GetEstimateAsync("org '; --", Key);

        read.Should().BeEquivalentTo(estimate);
        read!.UpdatedAt.Offset.Should().Be(TimeSpan.FromHours(9));
        read.Window.Select(BitConverter.DoubleToInt64Bits).Should().Equal(estimate.Window.Select(BitConverter.DoubleToInt64Bits));
        BitConverter.DoubleToInt64Bits(read.Value).Should().Be(BitConverter.DoubleToInt64Bits(0.1 + 0.2));
    }
}
