using LoopEngine.Learning;

namespace LoopEngine.Conformance.Learning;

/// <summary>The contract every <see cref="ILearningStore"/> keeps; a store's test class inherits it and supplies the store.</summary>
public abstract class LearningStoreConformanceTests
{
    private static readonly DateTimeOffset At = new(2026, 2, 17, 9, 22, 0, TimeSpan.Zero);

    /// <summary>Creates an empty store.</summary>
    protected abstract ILearningStore CreateStore();

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
        const int updaters = 8;
        const int perUpdater = 5;
        var store = CreateStore();

        // Each updater reads, adds its observation and writes with the version it read, re-reading when it lost the race.
        await Task.WhenAll(Enumerable.Range(0, updaters).Select(u => Task.Run(async () =>
        {
            for (var i = 0; i < perUpdater; i++)
            {
                double observation = (u * 100) + i;
                for (var attempt = 0; ; attempt++)
                {
                    attempt.Should().BeLessThan(10_000, "an updater that re-reads must eventually win");
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

        var final = await store.GetEstimateAsync("org-a", "supplier_lead_time:SUP-ACME");
        final!.Version.Should().Be(updaters * perUpdater);
        final.Count.Should().Be(updaters * perUpdater);
        final.Window.Should().BeEquivalentTo(Enumerable.Range(0, updaters).SelectMany(u => Enumerable.Range(0, perUpdater).Select(i => (double)((u * 100) + i))));
    }
}
