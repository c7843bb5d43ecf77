using LoopEngine.Learning;
using LoopEngine.Signals;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace LoopEngine.Sqlite.Tests;

/// <summary>The signal and learning stores on the loop store's file: restarts, DI wiring, migrations and exact values.</summary>
public sealed class SqliteSignalsAndLearningDurabilityTests : IDisposable
{
    private const string Org = "default";
    private static readonly DateTimeOffset T0 = new(2026, 2, 14, 8, 0, 0, TimeSpan.Zero);
    private readonly TempDatabase _database = new();

    public void Dispose() => _database.Dispose();

    private SqliteLoopStoreOptions Options() => new() { ConnectionString = _database.ConnectionString(), Synchronous = SqliteSynchronousMode.Normal };

    private long Scalar(string sql) => _database.Scalar(sql);

    private static RawEvent Ev(string id, string type, DateTimeOffset at, string payload, params (string Key, string Value)[] keys) =>
        RawEvent.Create(id, type, at, keys.ToDictionary(k => k.Key, k => k.Value, StringComparer.Ordinal), payload);

    private static RawEvent[] PageEvents() =>
    [
        Ev("e1", "sale_recorded", T0, """{"qty":847}""", ("sku", "BRS-001"), ("location", "DC-East")),
        Ev("e2", "shipment_delayed", T0.AddMinutes(30), """{"eta_delay_days":4}""", ("carrier", "FedEx"), ("location", "DC-East")),
        Ev("e3", "stock_movement", T0.AddHours(1), """{"on_hand":12}""", ("sku", "BRS-001"), ("location", "DC-East")),
    ];

    /// <summary>One process: the three SQLite stores on the file, the loop runtime and the signal engine.</summary>
    private sealed class SignalHost : IAsyncDisposable
    {
        public SignalHost(SqliteLoopStoreOptions options, FakeTimeProvider time)
        {
            LoopStore = new SqliteLoopStore(options);
            Signals = new SqliteSignalStore(options);
            Runtime = new LoopRuntime(LoopStore, LoopCatalog.AddTo(new LoopRegistry()), timeProvider: time, idGenerator: new SequentialLoopIdGenerator());
            Engine = new SignalEngineBuilder()
                .AddSignal(ScmSignals.DemandSpike())
                .AddTrigger(ScmSignals.ReplenishmentTrigger())
                .UseReferenceData(new InMemoryReferenceData()
                    .Set("reorder_point", 50, ("sku", "BRS-001"), ("location", "DC-East"))
                    .Set("baseline_daily_demand", 300, ("sku", "BRS-001"), ("location", "DC-East")))
                .Build(Signals, Runtime, LoopStore, time, new SequentialLoopIdGenerator());
        }

        public SqliteLoopStore LoopStore { get; }

        public SqliteSignalStore Signals { get; }

        public LoopRuntime Runtime { get; }

        public ISignalEngine Engine { get; }

        public async Task<IReadOnlyList<LoopInstance>> ReplenishmentLoopsAsync() =>
            (await Runtime.ListInstancesAsync(new InstanceQuery { OrgId = Org, LoopId = "scm.replenishment" })).Items;

        public ValueTask DisposeAsync() => LoopStore.DisposeAsync();
    }

    [Fact]
    public async Task IngestAsync_SameEventsAfterRestartOnTheFile_NoSecondLoopAndStateSurvives()
    {
        var time = new FakeTimeProvider(T0.AddHours(1).AddMinutes(1));
        Signal first;
        var lowered = new ThresholdChange { SignalType = ScmSignals.DemandSpikeType, ThresholdBefore = 0.7, ThresholdAfter = 0.65, PrecisionBefore = 0.6, PrecisionAfter = 0.82, SampleSize = 40, TargetPrecision = 0.8, ChangedAt = T0 };
        await using (var host = new SignalHost(Options(), time))
        {
            await host.LoopStore.SeedSequenceAsync(Org, "REPLEN-2026", 41);
            first = (await host.Engine.IngestAsync(PageEvents())).Signals.Single();
            first.AggregateId.Should().Be("REPLEN-2026-0041");
            first.OpenedLoop.Should().BeTrue();
            await host.Signals.AddThresholdChangeAsync(lowered);
        }

        SqliteConnection.ClearAllPools();
        await using var restarted = new SignalHost(Options(), time);

        // The same raw events again (an at-least-once source redelivering after the crash): the signal id is the same.
        var replay = (await restarted.Engine.IngestAsync(PageEvents())).Signals.Single();

        replay.Should().BeEquivalentTo(first);
        (await restarted.ReplenishmentLoopsAsync()).Select(i => i.AggregateId).Should().Equal("REPLEN-2026-0041");
        (await restarted.Signals.GetOpenLoopAsync(Org, $"scm.replenishment|{ScmSignals.DemandSpikeType}|BRS-001@DC-East")).Should().Be("REPLEN-2026-0041");
        restarted.Engine.GetStatistics(ScmSignals.DemandSpikeType).Threshold.Should().Be(0.65, "the threshold change survived the restart");

        // A new event for the subject after the cooldown: a new signal, attached to the loop still open from before.
        time.SetUtcNow(T0.AddHours(2).AddMinutes(31));
        var next = (await restarted.Engine.IngestAsync([Ev("e4", "stock_movement", T0.AddHours(2).AddMinutes(30), """{"on_hand":10}""", ("sku", "BRS-001"), ("location", "DC-East"))])).Signals.Single();

        next.Id.Should().NotBe(first.Id);
        next.AggregateId.Should().Be("REPLEN-2026-0041");
        next.OpenedLoop.Should().BeFalse();
        (await restarted.ReplenishmentLoopsAsync()).Should().ContainSingle();
        (await restarted.Signals.ListSignalsByAggregateAsync(Org, "REPLEN-2026-0041")).Select(s => s.Id).Should().Equal(first.Id, next.Id);
    }

    private static LoopDefinition LeadTimeLoop() =>
        LoopDefinition.Create("scm.leadtime", "1.0.0")
            .AddState("ORDERED")
            .AddState("RECEIVED", s => s.Terminal())
            .AddTransition("receive", "ORDERED", "RECEIVED", t => t.AllowActors(ActorType.Human))
            .WithOutcome("received", "Goods received", "loop", o => o
                .AddMetric("lead_time", "Lead time", "days", OutcomeMetricKind.Duration, updates: "supplier_lead_time:{evidence.supplier}"))
            .Build();

    private ServiceProvider LearningHost(FakeTimeProvider time)
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        services.AddSingleton<ILoopIdGenerator>(new SequentialLoopIdGenerator());
        services.AddLoopEngine(b => b.AddLoop(LeadTimeLoop())).UseSqliteStore(_database.ConnectionString(), o => o.Synchronous = SqliteSynchronousMode.Normal);
        services.AddLoopEngineLearning();
        return services.BuildServiceProvider();
    }

    private static async Task<OutcomeResult> RunLoopAsync(IServiceProvider provider, FakeTimeProvider time, string aggregateId, double expectedDays, double actualDays)
    {
        var engine = provider.GetRequiredService<ILoopEngine>();
        var buyer = Actor.Human("drew.kim@lumebonde.co");
        await engine.StartAsync(new StartLoopRequest { LoopId = "scm.leadtime", AggregateId = aggregateId, Actor = buyer, Evidence = Evidence.Parse($$"""{"supplier":"SUP-ACME","expected_lead_time_days":{{expectedDays.ToString(System.Globalization.CultureInfo.InvariantCulture)}}}""") });
        time.Advance(TimeSpan.FromDays(actualDays));
        (await engine.TransitionAsync(new TransitionRequest { AggregateId = aggregateId, TransitionId = "receive", Actor = buyer })).IsExecuted.Should().BeTrue();
        return await provider.GetRequiredService<IOutcomeRecorder>().RecordOutcomeAsync(new OutcomeRecord
        {
            AggregateId = aggregateId,
            Metrics = [new OutcomeMetricValue("lead_time", OutcomeValue.Duration(TimeSpan.FromDays(expectedDays)), OutcomeValue.Duration(TimeSpan.FromDays(actualDays)))],
        });
    }

    [Fact]
    public async Task RecordOutcomeAsync_RestartOnTheFile_OutcomeAndEstimateSurviveAndTheNextLoopMovesThem()
    {
        var time = new FakeTimeProvider(T0);
        OutcomeResult recorded;
        await using (var provider = LearningHost(time))
        {
            recorded = await RunLoopAsync(provider, time, "LT-1", expectedDays: 12, actualDays: 16);
            recorded.EstimateUpdates.Should().ContainSingle();
        }

        SqliteConnection.ClearAllPools();
        await using var restarted = LearningHost(time);
        var estimate = await restarted.GetRequiredService<IEstimateReader>().GetAsync("supplier_lead_time:SUP-ACME");
        var outcome = await restarted.GetRequiredService<IOutcomeRecorder>().GetOutcomeAsync(Org, "LT-1");

        estimate.Should().BeEquivalentTo(recorded.EstimateUpdates[0].Estimate);
        estimate!.Value.Should().BeGreaterThan(12).And.BeLessThan(16);
        outcome.Should().BeEquivalentTo(recorded.Outcome);

        // The next loop reads the moved estimate as its expectation; its outcome moves the estimate on from there.
        var next = await RunLoopAsync(restarted, time, "LT-2", expectedDays: estimate.Value, actualDays: 20);

        var update = next.EstimateUpdates.Single();
        update.OldValue.Should().Be(estimate.Value);
        update.Estimate.Version.Should().Be(2);
        update.Estimate.Count.Should().Be(2);
        update.Estimate.LastAggregateId.Should().Be("LT-2");
        (await new SqliteLearningStore(_database.ConnectionString()).GetEstimateAsync(Org, "supplier_lead_time:SUP-ACME")).Should().BeEquivalentTo(update.Estimate);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task UseSqliteStore_BeforeOrAfterSignalsAndLearning_TheDurableStoresAreRegistered(bool sqliteFirst)
    {
        var services = new ServiceCollection();
        if (sqliteFirst)
        {
            services.AddLoopEngine(b => b.AddLoop(LeadTimeLoop())).UseSqliteStore(_database.ConnectionString());
        }

        services.AddLoopEngineSignals(s => s.AddSignal(ScmSignals.DemandSpike()));
        services.AddLoopEngineLearning();
        if (!sqliteFirst)
        {
            services.AddLoopEngine(b => b.AddLoop(LeadTimeLoop())).UseSqliteStore(_database.ConnectionString());
        }

        await using (var provider = services.BuildServiceProvider())
        {
            var signals = provider.GetRequiredService<ISignalStore>();
            var learning = provider.GetRequiredService<ILearningStore>();
            signals.Should().BeOfType<SqliteSignalStore>().And.BeSameAs(provider.GetRequiredService<SqliteSignalStore>());
            learning.Should().BeOfType<SqliteLearningStore>().And.BeSameAs(provider.GetRequiredService<SqliteLearningStore>());
            provider.GetRequiredService<ILoopStore>().Should().BeOfType<SqliteLoopStore>();
            services.Count(d => d.ServiceType == typeof(ISignalStore)).Should().Be(1);
            services.Count(d => d.ServiceType == typeof(ILearningStore)).Should().Be(1);
            _ = provider.GetRequiredService<ISignalEngine>(); // The signal engine builds on the durable stores (throws otherwise).
            await signals.SetPositionAsync("signals.outcomes", 42);
            (await learning.TrySaveEstimateAsync(new Estimate { OrgId = Org, Key = "k", Estimator = EstimatorKind.RunningMean, Value = 3, Unit = "days", Count = 1, Version = 1, UpdatedAt = T0, LastAggregateId = "LT-1" }, 0)).Should().BeTrue();
        }

        SqliteConnection.ClearAllPools();
        (await new SqliteSignalStore(_database.ConnectionString()).GetPositionAsync("signals.outcomes")).Should().Be(42);
        (await new SqliteLearningStore(_database.ConnectionString()).GetEstimateAsync(Org, "k"))!.Value.Should().Be(3);
    }

    [Fact]
    public async Task SqliteSignalStore_FileAtVersionThree_MigratesAndKeepsTheLoopData()
    {
        Scalar("CREATE TABLE schema_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL); INSERT INTO schema_version VALUES (1, 3); SELECT 1;");
        Scalar(SqliteSchema.Migrations[0] + SqliteSchema.Migrations[1] + SqliteSchema.Migrations[2] + " SELECT 1;");
        Scalar("INSERT INTO checkpoints (name, position) VALUES ('projector', 7); SELECT 1;");

        var signals = new SqliteSignalStore(Options());
        await signals.SetOpenLoopAsync(Org, "k", "REPLEN-2026-0041");

        Scalar("SELECT version FROM schema_version").Should().Be(SqliteSchema.LatestVersion);
        (await signals.GetOpenLoopAsync(Org, "k")).Should().Be("REPLEN-2026-0041");
        await using var loops = new SqliteLoopStore(Options());
        (await loops.GetCheckpointAsync("projector")).Should().Be(7);
    }

    [Fact]
    public async Task SqliteSignalAndLearningStores_FileFromNewerVersion_RefusedWithTypedErrorAndUnchanged()
    {
        await new SqliteSignalStore(Options()).InitializeAsync();
        Scalar("UPDATE schema_version SET version = 99; SELECT 1;");

        var signals = async () => await new SqliteSignalStore(Options()).GetOpenLoopAsync(Org, "k");
        var learning = async () => await new SqliteLearningStore(Options()).GetEstimateAsync(Org, "k");

        (await signals.Should().ThrowAsync<SqliteStoreSchemaException>()).Which.DatabaseVersion.Should().Be(99);
        (await learning.Should().ThrowAsync<SqliteStoreSchemaException>()).Which.SupportedVersion.Should().Be(SqliteSchema.LatestVersion);
        Scalar("SELECT version FROM schema_version").Should().Be(99);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Data Source=:memory:")]
    [InlineData("Data Source=x;Mode=Memory")]
    public void Constructors_NoFile_Throw(string connectionString)
    {
        var signals = () => new SqliteSignalStore(connectionString);
        var learning = () => new SqliteLearningStore(connectionString);

        signals.Should().Throw<ArgumentException>().WithMessage("*Data Source*");
        learning.Should().Throw<ArgumentException>().WithMessage("*Data Source*");
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(-0.0)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    [InlineData(double.Epsilon)]
    [InlineData(double.MaxValue)]
    [InlineData(12.0)]
    public async Task RealColumns_ExtremeDoubles_ReadBackBitForBit(double value)
    {
        var signals = new SqliteSignalStore(Options());
        var learning = new SqliteLearningStore(Options());
        var signal = new Signal
        {
            Id = "s1", Type = "T", OrgId = Org, Subject = new Dictionary<string, string> { ["sku"] = "A" }, Confidence = value, Threshold = value,
            Attributes = new Dictionary<string, double>(), OccurredAt = T0, DetectedAt = T0, Status = SignalStatus.Emitted, EventId = "e1",
        };
        var change = new ThresholdChange { SignalType = "T", ThresholdBefore = value, ThresholdAfter = value, PrecisionBefore = value, PrecisionAfter = value, SampleSize = 1, TargetPrecision = value, ChangedAt = T0 };
        var estimate = new Estimate { OrgId = Org, Key = "k", Estimator = EstimatorKind.ExponentialMean, Value = value, Unit = "days", Count = 1, Version = 1, UpdatedAt = T0, LastAggregateId = "a" };

        await signals.TryAddSignalAsync(signal);
        await signals.AddThresholdChangeAsync(change);
        await learning.TrySaveEstimateAsync(estimate, 0);

        var bits = BitConverter.DoubleToInt64Bits(value);
        var read = (await signals.GetSignalAsync("s1"))!;
        BitConverter.DoubleToInt64Bits(read.Confidence).Should().Be(bits);
        BitConverter.DoubleToInt64Bits(read.Threshold).Should().Be(bits);
        BitConverter.DoubleToInt64Bits((await signals.GetThresholdAsync("T"))!.Value).Should().Be(bits);
        var readChange = (await signals.ListThresholdChangesAsync("T")).Single();
        new[] { readChange.ThresholdBefore, readChange.ThresholdAfter, readChange.PrecisionBefore, readChange.PrecisionAfter, readChange.TargetPrecision }
            .Select(BitConverter.DoubleToInt64Bits).Should().AllBeEquivalentTo(bits);
        BitConverter.DoubleToInt64Bits((await learning.GetEstimateAsync(Org, "k"))!.Value).Should().Be(bits);
    }
}
