using LoopEngine.Learning;
using LoopEngine.Signals;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace LoopEngine.PostgreSql.Tests;

/// <summary>What the PostgreSQL signal and learning stores add to their conformance suites: restarts, exact values, hostile text, DI.</summary>
public sealed class PostgreSqlSignalAndLearningStoreSpecificTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 2, 14, 8, 0, 0, TimeSpan.Zero);

    private static readonly string[] Hostile =
    [
        "x'; DROP TABLE signals; --",
        "\"quoted\" type",
        "semi;colon -- comment /* block */",
        "ünïcødé 信号 🚨",
        "back\\slash\t\r\nnewline",
        "$1 @id :name ?",
    ];

    private readonly PostgresSchema _schema = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _schema.DisposeAsync().AsTask();

    private static RawEvent[] PageEvents() =>
    [
        RawEvent.Create("e1", "sale_recorded", T0, new Dictionary<string, string> { ["sku"] = "BRS-001", ["location"] = "DC-East" }, """{"qty":847}"""),
        RawEvent.Create("e2", "shipment_delayed", T0.AddMinutes(30), new Dictionary<string, string> { ["carrier"] = "FedEx", ["location"] = "DC-East" }, """{"eta_delay_days":4}"""),
        RawEvent.Create("e3", "stock_movement", T0.AddHours(1), new Dictionary<string, string> { ["sku"] = "BRS-001", ["location"] = "DC-East" }, """{"on_hand":12}"""),
    ];

    private static Signal NewSignal(string id, string type = "DEMAND_SPIKE", IReadOnlyDictionary<string, string>? subject = null) => new()
    {
        Id = id,
        Type = type,
        OrgId = "default",
        Subject = subject ?? new Dictionary<string, string> { ["sku"] = "BRS-001", ["location"] = "DC-East" },
        Confidence = 0.84,
        Threshold = 0.7,
        Attributes = new Dictionary<string, double> { ["on_hand"] = 12 },
        OccurredAt = T0,
        DetectedAt = T0,
        Status = SignalStatus.Emitted,
        EventId = "e-" + id,
    };

    // One host: a loop store, a signal store and a runtime on the schema, and a signal engine over them.
    private async Task<IngestResult> IngestOnNewHostAsync(FakeTimeProvider time)
    {
        var loopStore = _schema.LoopStore();
        var signals = _schema.SignalStore();
        var runtime = new LoopRuntime(loopStore, LoopCatalog.AddTo(new LoopRegistry()), timeProvider: time, idGenerator: new SequentialLoopIdGenerator());
        var engine = new SignalEngineBuilder()
            .AddSignal(ScmSignals.DemandSpike())
            .AddTrigger(ScmSignals.ReplenishmentTrigger())
            .UseReferenceData(new InMemoryReferenceData()
                .Set("reorder_point", 50, ("sku", "BRS-001"), ("location", "DC-East"))
                .Set("baseline_daily_demand", 300, ("sku", "BRS-001"), ("location", "DC-East")))
            .Build(signals, runtime, loopStore, time, new SequentialLoopIdGenerator());
        return await engine.IngestAsync(PageEvents());
    }

    [PostgresFact]
    public async Task IngestAsync_RestartOnSameSchema_SameRawEventsTriggerNoSecondLoop()
    {
        var time = new FakeTimeProvider(T0.AddHours(1).AddMinutes(1));
        var first = (await IngestOnNewHostAsync(time)).Signals.Single();
        first.OpenedLoop.Should().BeTrue();
        first.AggregateId.Should().NotBeNull();

        // New store instances (a restarted host) see the same raw events again.
        var replay = (await IngestOnNewHostAsync(time)).Signals.Single();

        replay.Id.Should().Be(first.Id);
        replay.AggregateId.Should().Be(first.AggregateId);
        var loops = _schema.LoopStore();
        var page = await loops.QueryInstancesAsync(new InstanceQuery { OrgId = "default", LoopId = "scm.replenishment" });
        page.Items.Should().ContainSingle().Which.AggregateId.Should().Be(first.AggregateId);
        var stored = await _schema.SignalStore().ListSignalsByAggregateAsync("default", first.AggregateId!);
        stored.Should().ContainSingle().Which.OpenedLoop.Should().BeTrue();
    }

    [PostgresFact]
    public async Task SaveOutcomeAndEstimate_NewStoreInstances_ReadThemBack()
    {
        var outcome = new LoopOutcome
        {
            OrgId = "org-a", LoopId = "scm.replenishment", DefinitionVersion = "2.0.0", AggregateId = "REPLEN-2026-0041", CorrelationId = "corr",
            OutcomeId = "replenishment_closed", ValueUnit = "loop", Status = LoopStatus.Closed, FinalState = "STOCK_STABILIZED",
            OpenedAt = T0.AddDays(-16), ClosedAt = T0, RecordedAt = T0, EventId = "evt-1",
            Metrics = [new MetricComparison { MetricId = "demand", Kind = OutcomeMetricKind.Number, Unit = "units", Predicted = OutcomeValue.Number(200), Actual = OutcomeValue.Number(260), Delta = 60 }],
        };
        var estimate = new Estimate
        {
            OrgId = "org-a", Key = "supplier_lead_time:SUP-ACME", Estimator = EstimatorKind.Quantile, Value = 14.5, Unit = "days",
            Count = 3, Version = 3, UpdatedAt = T0, LastAggregateId = "REPLEN-2026-0041", Window = [12, 14.5, 16],
        };
        await using (var writer = new PostgreSqlLearningStore(_schema.Options()))
        {
            await writer.SaveOutcomeAsync(outcome);
            (await writer.TrySaveEstimateAsync(estimate with { Version = 1 }, 0)).Should().BeTrue();
            (await writer.TrySaveEstimateAsync(estimate, 1)).Should().BeTrue();
        }

        var reader = _schema.LearningStore();
        (await reader.GetOutcomeAsync("org-a", "REPLEN-2026-0041")).Should().BeEquivalentTo(outcome);
        (await reader.GetEstimateAsync("org-a", "supplier_lead_time:SUP-ACME")).Should().BeEquivalentTo(estimate);
        (await reader.TrySaveEstimateAsync(estimate with { Version = 4 }, 2)).Should().BeFalse("the stored version survived the restart");
    }

    [PostgresFact]
    public async Task HostileIdentifiers_SignalTypesSubjectKeysEstimateKeys_AreStoredVerbatim()
    {
        var signals = _schema.SignalStore();
        var learning = _schema.LearningStore();
        for (var i = 0; i < Hostile.Length; i++)
        {
            var text = Hostile[i];
            var subject = new Dictionary<string, string> { [text] = text + "-value", ["sku"] = text };
            (await signals.TryAddSignalAsync(NewSignal("sig_" + text, type: text, subject: subject))).Should().BeTrue();
            await signals.UpdateSignalAsync(NewSignal("sig_" + text, type: text, subject: subject) with { Label = SignalLabel.Hit, AggregateId = text });
            await signals.SetOpenLoopAsync(text, text, text);
            await signals.AddThresholdChangeAsync(new ThresholdChange { SignalType = text, ThresholdBefore = 0.7, ThresholdAfter = 0.7 + i, PrecisionBefore = 0.5, PrecisionAfter = 0.8, SampleSize = i, TargetPrecision = 0.8, ChangedAt = T0 });
            await signals.SetPositionAsync(text, i);
            (await learning.TrySaveEstimateAsync(new Estimate { OrgId = text, Key = text, Estimator = EstimatorKind.RunningMean, Value = i, Unit = text, Count = 1, Version = 1, UpdatedAt = T0, LastAggregateId = text }, 0)).Should().BeTrue();
        }

        var reader = _schema.SignalStore();
        var readLearning = _schema.LearningStore();
        for (var i = 0; i < Hostile.Length; i++)
        {
            var text = Hostile[i];
            var signal = await reader.GetSignalAsync("sig_" + text);
            signal!.Type.Should().Be(text);
            signal.Subject.Keys.Should().Equal(text, "sku");
            signal.Subject[text].Should().Be(text + "-value");
            signal.SubjectText.Should().Be(text + "-value@" + text);
            (await reader.ListSignalsByAggregateAsync("default", text)).Select(s => s.Id).Should().Equal("sig_" + text);
            (await reader.ListLabelledSignalsAsync(text, 10)).Select(s => s.Id).Should().Equal("sig_" + text);
            (await reader.GetOpenLoopAsync(text, text)).Should().Be(text);
            (await reader.GetThresholdAsync(text)).Should().Be(0.7 + i);
            (await reader.GetPositionAsync(text)).Should().Be(i);
            var estimate = await readLearning.GetEstimateAsync(text, text);
            estimate!.Key.Should().Be(text);
            estimate.Unit.Should().Be(text);
            estimate.LastAggregateId.Should().Be(text);
        }

        (await reader.ListRecentSignalsAsync(100)).Should().HaveCount(Hostile.Length, "no statement was cut short by the text it carried");
    }

    [PostgresFact]
    public async Task Values_DoublesTimesAndSubjectOrder_RoundTripExactly()
    {
        double[] doubles = [0.1 + 0.2, double.Epsilon, double.MaxValue, -double.MaxValue, -0.0, 1.0 / 3, double.NaN, double.PositiveInfinity, double.NegativeInfinity];
        var attributes = new Dictionary<string, double>();
        for (var i = 0; i < doubles.Length; i++)
        {
            attributes["a" + i] = doubles[i];
        }

        // A tick below the microsecond that timestamptz keeps, and an offset that is not UTC.
        var at = new DateTimeOffset(2026, 2, 14, 9, 30, 0, TimeSpan.FromMinutes(330)).AddTicks(1234567);
        var subject = new Dictionary<string, string> { ["zone"] = "Z", ["aisle"] = "A", ["bin"] = "B" };
        var signal = NewSignal("exact", subject: subject) with { Confidence = 0.1 + 0.7, Threshold = 1.0 / 3, Attributes = attributes, OccurredAt = at, DetectedAt = at.AddTicks(1) };
        var change = new ThresholdChange { SignalType = "DEMAND_SPIKE", ThresholdBefore = 0.1 + 0.2, ThresholdAfter = 1.0 / 7, PrecisionBefore = double.Epsilon, PrecisionAfter = 2.0 / 3, SampleSize = 40, TargetPrecision = 0.8, ChangedAt = at };
        await _schema.SignalStore().TryAddSignalAsync(signal);
        await _schema.SignalStore().AddThresholdChangeAsync(change);

        var read = (await _schema.SignalStore().GetSignalAsync("exact"))!;
        read.Confidence.Should().Be(0.1 + 0.7);
        read.Threshold.Should().Be(1.0 / 3);
        read.Attributes.Keys.Should().Equal(attributes.Keys);
        read.Attributes.Values.Select(BitConverter.DoubleToInt64Bits).Should().Equal(doubles.Select(BitConverter.DoubleToInt64Bits));
        read.OccurredAt.Ticks.Should().Be(at.Ticks);
        read.OccurredAt.Offset.Should().Be(TimeSpan.FromMinutes(330));
        read.DetectedAt.UtcTicks.Should().Be(at.UtcTicks + 1);
        read.SubjectText.Should().Be("Z@A@B", "the subject keeps its order");
        var readChange = (await _schema.SignalStore().ListThresholdChangesAsync("DEMAND_SPIKE")).Should().ContainSingle().Subject;
        readChange.Should().Be(change);
        readChange.ChangedAt.Offset.Should().Be(change.ChangedAt.Offset);
        (await _schema.SignalStore().GetThresholdAsync("DEMAND_SPIKE")).Should().Be(1.0 / 7);

        var estimate = new Estimate
        {
            OrgId = "org", Key = "k", Estimator = EstimatorKind.ExponentialMean, Value = 0.1 + 0.2, Unit = "days", Count = long.MaxValue, Version = 1,
            UpdatedAt = at, LastAggregateId = "R-1", Window = doubles,
        };
        await _schema.LearningStore().TrySaveEstimateAsync(estimate, 0);
        var readEstimate = (await _schema.LearningStore().GetEstimateAsync("org", "k"))!;
        readEstimate.Value.Should().Be(0.1 + 0.2);
        readEstimate.Count.Should().Be(long.MaxValue);
        readEstimate.UpdatedAt.Ticks.Should().Be(at.Ticks);
        readEstimate.UpdatedAt.Offset.Should().Be(at.Offset);
        readEstimate.Window.Select(BitConverter.DoubleToInt64Bits).Should().Equal(doubles.Select(BitConverter.DoubleToInt64Bits));
    }

    [PostgresFact]
    public async Task SaveOutcomeAsync_EveryMetricKind_RoundTripsExactly()
    {
        var at = new DateTimeOffset(2026, 2, 17, 9, 22, 0, TimeSpan.FromHours(-5)).AddTicks(7);
        var outcome = new LoopOutcome
        {
            OrgId = "org", LoopId = "scm.replenishment", DefinitionVersion = "2.0.0", AggregateId = "R-1", CorrelationId = "corr",
            OutcomeId = "replenishment_closed", ValueUnit = "loop", Status = LoopStatus.Cancelled, FinalState = "DISMISSED",
            OpenedAt = at.AddDays(-16).AddTicks(3), ClosedAt = at, RecordedAt = at.AddTicks(1), EventId = "evt-1",
            Metrics =
            [
                new MetricComparison { MetricId = "demand", Kind = OutcomeMetricKind.Number, Unit = "units", Predicted = OutcomeValue.Number(0.1 + 0.2), Actual = OutcomeValue.Number(-0.0), Delta = -(0.1 + 0.2) },
                new MetricComparison { MetricId = "huge", Kind = OutcomeMetricKind.Number, Unit = "units", Predicted = OutcomeValue.Number(double.MaxValue), Actual = OutcomeValue.Number(-double.MaxValue), Delta = double.NegativeInfinity },
                new MetricComparison { MetricId = "tiny", Kind = OutcomeMetricKind.Number, Unit = "units", Predicted = OutcomeValue.Number(double.Epsilon), Actual = null, Delta = null },
                new MetricComparison { MetricId = "lead", Kind = OutcomeMetricKind.Duration, Unit = "days", Predicted = OutcomeValue.Duration(TimeSpan.FromDays(12)), Actual = OutcomeValue.Duration(TimeSpan.FromTicks(123456789)), Delta = -11.9, DurationDelta = TimeSpan.FromTicks(123456789) - TimeSpan.FromDays(12) },
                new MetricComparison { MetricId = "risk", Kind = OutcomeMetricKind.Category, Unit = "level", Predicted = OutcomeValue.Category("Höch \"x\"; --"), Actual = OutcomeValue.Category("Low"), IsHit = false },
                new MetricComparison { MetricId = "late", Kind = OutcomeMetricKind.Boolean, Unit = "flag", Predicted = OutcomeValue.Boolean(true), Actual = OutcomeValue.Boolean(true), IsHit = true },
            ],
        };

        await _schema.LearningStore().SaveOutcomeAsync(outcome);
        var read = (await _schema.LearningStore().GetOutcomeAsync("org", "R-1"))!;

        read.Should().BeEquivalentTo(outcome);
        read.Metrics.Select(m => m.MetricId).Should().Equal("demand", "huge", "tiny", "lead", "risk", "late");
        BitConverter.DoubleToInt64Bits(read.Metrics[0].Actual!.NumberValue).Should().Be(BitConverter.DoubleToInt64Bits(-0.0));
        read.Metrics[0].Predicted!.NumberValue.Should().Be(0.1 + 0.2);
        read.Metrics[1].Delta.Should().Be(double.NegativeInfinity);
        read.Metrics[2].Predicted!.NumberValue.Should().Be(double.Epsilon);
        read.Metrics[3].Actual!.DurationValue.Ticks.Should().Be(123456789);
        read.OpenedAt.Ticks.Should().Be(outcome.OpenedAt.Ticks);
        read.RecordedAt.Offset.Should().Be(TimeSpan.FromHours(-5));
    }

    [PostgresFact]
    public async Task TryAddSignalAsync_SameIdFromManyHostsAtOnce_ExactlyOneAdds()
    {
        var stores = Enumerable.Range(0, 4).Select(_ => _schema.SignalStore()).ToList();

        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(() => stores[i % 4].TryAddSignalAsync(NewSignal("sig_race")).AsTask())));

        results.Count(r => r).Should().Be(1);
    }

    [PostgresFact]
    public async Task AddThresholdChangeAsync_ManyAtOnce_CurrentIsAlwaysTheLastChange()
    {
        var store = _schema.SignalStore();

        await Task.WhenAll(Enumerable.Range(1, 12).Select(i => Task.Run(() => store.AddThresholdChangeAsync(new ThresholdChange
        {
            SignalType = "DEMAND_SPIKE", ThresholdBefore = 0.7, ThresholdAfter = 0.7 + (i / 100.0), PrecisionBefore = 0.5, PrecisionAfter = 0.8, SampleSize = i, TargetPrecision = 0.8, ChangedAt = T0,
        }).AsTask())));

        var changes = await store.ListThresholdChangesAsync("DEMAND_SPIKE");
        changes.Select(c => c.SampleSize).Should().BeEquivalentTo(Enumerable.Range(1, 12));
        (await store.GetThresholdAsync("DEMAND_SPIKE")).Should().Be(changes[^1].ThresholdAfter);
    }

    [PostgresFact]
    public async Task InitializeAsync_SchemaFromNewerVersion_SignalAndLearningStoresRefuseWithTypedError()
    {
        await _schema.SignalStore().InitializeAsync();
        await _schema.ExecuteAsync($"UPDATE {_schema.Quoted}.schema_version SET version = 42;");

        var signals = async () => await _schema.SignalStore().GetSignalAsync("s1");
        var learning = async () => await _schema.LearningStore().GetEstimateAsync("org", "k");

        (await signals.Should().ThrowAsync<PostgreSqlStoreSchemaException>()).Which.DatabaseVersion.Should().Be(42);
        (await learning.Should().ThrowAsync<PostgreSqlStoreSchemaException>()).Which.SupportedVersion.Should().Be(PostgreSqlSchema.LatestVersion);
    }

    [PostgresFact]
    public async Task UsePostgreSqlStore_BeforeSignalsAndLearning_RegistersDurableStoresOnOneSchema()
    {
        var services = new ServiceCollection();
        services.AddLoopEngine().UsePostgreSqlStore(PostgresDatabase.RequireConnectionString(), o => o.Schema = _schema.Name);
        services.AddLoopEngineSignals(s => s.AddSignal(ScmSignals.DemandSpike()));
        services.AddLoopEngineLearning();

        await AssertDurableStoresAsync(services, "before");
    }

    [PostgresFact]
    public async Task UsePostgreSqlStore_AfterSignalsAndLearning_ReplacesTheInMemoryStores()
    {
        var services = new ServiceCollection();
        services.AddLoopEngineSignals(s => s.AddSignal(ScmSignals.DemandSpike()));
        services.AddLoopEngineLearning();
        services.AddLoopEngine().UsePostgreSqlStore(PostgresDatabase.RequireConnectionString(), o => o.Schema = _schema.Name);

        await AssertDurableStoresAsync(services, "after");
    }

    [PostgresFact]
    public async Task UsePostgreSqlStore_CallersDataSource_SharedByEveryStoreAndLeftOpen()
    {
        var dataSource = _schema.DataSource();
        var services = new ServiceCollection();
        services.AddLoopEngineSignals(s => s.AddSignal(ScmSignals.DemandSpike()));
        services.AddLoopEngine().UsePostgreSqlStore(dataSource, o => o.Schema = _schema.Name);
        services.AddLoopEngineLearning();

        await AssertDurableStoresAsync(services, "callers");

        await using var command = dataSource.CreateCommand($"SELECT count(*) FROM {_schema.Quoted}.signals;");
        ((long)(await command.ExecuteScalarAsync())!).Should().Be(1, "the caller's data source still works after the container is disposed");
    }

    private async Task AssertDurableStoresAsync(ServiceCollection services, string tag)
    {
        services.Count(d => d.ServiceType == typeof(ISignalStore)).Should().Be(1);
        services.Count(d => d.ServiceType == typeof(ILearningStore)).Should().Be(1);
        await using (var provider = services.BuildServiceProvider())
        {
            var signals = provider.GetRequiredService<ISignalStore>();
            signals.Should().BeOfType<PostgreSqlSignalStore>().And.BeSameAs(provider.GetRequiredService<PostgreSqlSignalStore>());
            var learning = provider.GetRequiredService<ILearningStore>();
            learning.Should().BeOfType<PostgreSqlLearningStore>().And.BeSameAs(provider.GetRequiredService<PostgreSqlLearningStore>());
            provider.GetRequiredService<ILoopStore>().Should().BeOfType<PostgreSqlLoopStore>();
            (await signals.TryAddSignalAsync(NewSignal("sig_" + tag))).Should().BeTrue();
            (await learning.TrySaveEstimateAsync(new Estimate { OrgId = "org", Key = tag, Estimator = EstimatorKind.RunningMean, Value = 1, Unit = "days", Count = 1, Version = 1, UpdatedAt = T0, LastAggregateId = "R" }, 0)).Should().BeTrue();
        }

        (await _schema.SignalStore().GetSignalAsync("sig_" + tag)).Should().NotBeNull("the registered signal store writes to the configured schema");
        (await _schema.LearningStore().GetEstimateAsync("org", tag)).Should().NotBeNull("the registered learning store writes to the configured schema");
    }
}
