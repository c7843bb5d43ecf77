using System.Collections.Concurrent;
using LoopEngine.Conformance;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace LoopEngine.PostgreSql.Tests;

public sealed class PostgreSqlLoopStoreSpecificTests : IAsyncLifetime
{
    private readonly PostgresSchema _schema = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _schema.DisposeAsync().AsTask();

    [Theory]
    [InlineData("x\"; DROP TABLE instances; --")]
    [InlineData("Public")]
    [InlineData("1schema")]
    [InlineData("")]
    [InlineData("a-b")]
    [InlineData("schéma")]
    [InlineData("a234567890123456789012345678901234567890123456789012345678901234")]
    public void Schema_HostileName_IsRefusedAtConfigurationNamingTheRule(string schema)
    {
        var options = new PostgreSqlLoopStoreOptions();
        var act = () => options.Schema = schema;
        act.Should().Throw<ArgumentException>().WithMessage("*^[a-z_][a-z0-9_]{0,62}$*");
        options.Schema.Should().Be("loopengine");

        var services = new ServiceCollection();
        var register = () => services.AddPostgreSqlLoopStore("Host=localhost", o => o.Schema = schema);
        register.Should().Throw<ArgumentException>();
        services.Should().BeEmpty();
    }

    [Theory]
    [InlineData("loopengine")]
    [InlineData("_a")]
    [InlineData("a23456789012345678901234567890123456789012345678901234567890123")]
    public void Schema_ValidName_IsAccepted(string schema)
    {
        new PostgreSqlLoopStoreOptions { Schema = schema }.Schema.Should().Be(schema);
    }

    [Fact]
    public async Task AddPostgreSqlLoopStore_ExistingStoreRegistered_ReplacesIt()
    {
        var services = new ServiceCollection();
        services.AddSingleton<ILoopStore, InMemoryLoopStore>();
        services.AddPostgreSqlLoopStore("Host=127.0.0.1;Username=x", o => o.Schema = "custom");

        await using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<ILoopStore>().Should().BeOfType<PostgreSqlLoopStore>();
        services.Count(d => d.ServiceType == typeof(ILoopStore)).Should().Be(1);
    }

    [PostgresFact]
    public async Task UsePostgreSqlStore_OnEngineBuilder_EngineWritesToTheSchema()
    {
        var services = new ServiceCollection();
        services.AddLoopEngine(b => b.AddLoop(LoopDefinition.Create("test.di").AddState("A").AddState("B", s => s.Terminal())
                .AddTransition("go", "A", "B", t => t.AllowActors(ActorType.Human)).WithOutcome("done", "done", "done").Build()))
            .UsePostgreSqlStore(PostgresDatabase.RequireConnectionString(), o => o.Schema = _schema.Name);

        await using (var provider = services.BuildServiceProvider())
        {
            provider.GetRequiredService<ILoopStore>().Should().BeOfType<PostgreSqlLoopStore>().And.BeSameAs(provider.GetRequiredService<PostgreSqlLoopStore>());
            services.Count(d => d.ServiceType == typeof(ILoopStore)).Should().Be(1);
            var engine = provider.GetRequiredService<ILoopEngine>();
            var human = new Actor(ActorType.Human, "drew");
            await engine.StartAsync(new StartLoopRequest { LoopId = "test.di", AggregateId = "D-1", Actor = human });
            (await engine.TransitionAsync(new TransitionRequest { AggregateId = "D-1", TransitionId = "go", Actor = human })).IsExecuted.Should().BeTrue();
        }

        var store = _schema.LoopStore();
        (await store.GetInstanceAsync("default", "D-1"))!.CurrentState.Should().Be("B");
        (await store.ReadTraceAsync("default", "D-1")).Should().HaveCount(2);
    }

    [PostgresFact]
    public async Task UsePostgreSqlStore_DataSourceOverload_UsesTheCallersDataSource()
    {
        var dataSource = _schema.DataSource();
        var services = new ServiceCollection();
        services.AddLoopEngine().UsePostgreSqlStore(dataSource, o => o.Schema = _schema.Name);

        await using (var provider = services.BuildServiceProvider())
        {
            var store = provider.GetRequiredService<ILoopStore>();
            store.Should().BeOfType<PostgreSqlLoopStore>();
            (await store.CommitAsync(StoreTestData.Start("org", "PO-DS").Commit)).IsCommitted.Should().BeTrue();
        }

        (await _schema.LoopStore().GetInstanceAsync("org", "PO-DS")).Should().NotBeNull();
    }

    [PostgresFact]
    public async Task ReadEventsAsync_LowerPositionStillUncommitted_HidesHigherUntilItCommits()
    {
        var store = _schema.LoopStore();
        (await store.CommitAsync(StoreTestData.Start("org", "PO-0").Commit)).IsCommitted.Should().BeTrue();
        var before = (await ReadUntilAsync(store, 0, 1)).Should().ContainSingle().Subject.Position;

        var dataSource = _schema.DataSource();
        await using var slow = await dataSource.OpenConnectionAsync();
        await using var transaction = await slow.BeginTransactionAsync();
        await using (var insert = new NpgsqlCommand($"INSERT INTO {_schema.Quoted}.events (event_id, type, org, loop_id, aggregate, correlation_id, occurred_at, json) VALUES ('slow', 'loop.slow', 'org', 'scm.procurement', 'PO-SLOW', 'c', 0, '{{}}') RETURNING position;", slow, transaction))
        {
            var lower = (long)(await insert.ExecuteScalarAsync())!;
            lower.Should().BeGreaterThan(before);
        }

        var fast = await store.CommitAsync(StoreTestData.Start("org", "PO-FAST").Commit);
        fast.IsCommitted.Should().BeTrue();

        (await store.ReadEventsAsync(before, 100)).Should().BeEmpty("the lower position's transaction is still running");

        await transaction.CommitAsync();
        var after = await ReadUntilAsync(store, before, 2);
        after.Select(e => e.AggregateId).Should().Equal("PO-SLOW", "PO-FAST");
        after[1].Position.Should().Be(fast.EventPositions[0]);
    }

    [PostgresTheory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(40)]
    public async Task CommitAsync_ConcurrentCommitsOfManyEvents_EachTakesConsecutivePositionsReadBackInCommitOrder(int eventsPerCommit)
    {
        var stores = new[] { _schema.LoopStore(), _schema.LoopStore() };
        const int commitsPerWriter = 6;
        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            var results = new List<(StoreCommit Commit, CommitResult Result)>();
            for (var c = 0; c < commitsPerWriter; c++)
            {
                var commit = new StoreCommit
                {
                    OrgId = "org",
                    Events = [.. Enumerable.Range(0, eventsPerCommit).Select(_ => StoreTestData.Event("org", $"W{w}"))],
                };
                results.Add((commit, await stores[w % 2].CommitAsync(commit)));
            }

            return results;
        })).ToList();
        var commits = (await Task.WhenAll(writers)).SelectMany(r => r).ToList();

        foreach (var (commit, result) in commits)
        {
            result.IsCommitted.Should().BeTrue();
            result.EventPositions.Should().HaveCount(eventsPerCommit);
            result.EventPositions.Should().Equal(Enumerable.Range(0, eventsPerCommit).Select(k => result.EventPositions[0] + k), "a commit's positions are taken together, in its events' order");
        }

        var read = await ReadUntilAsync(stores[0], 0, commits.Count * eventsPerCommit);
        read.Should().HaveCount(commits.Count * eventsPerCommit);
        read.Select(e => e.Position).Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
        var written = commits.OrderBy(c => c.Result.EventPositions[0])
            .SelectMany(c => c.Commit.Events.Zip(c.Result.EventPositions, (e, position) => e with { Position = position }))
            .ToList();
        read.Should().BeEquivalentTo(written, o => o.WithStrictOrdering(), "every event reads back whole at the position its commit returned");
    }

    [PostgresFact]
    public async Task ReadEventsAsync_WriteTransactionOpenInAnotherDatabase_DoesNotHoldBackEvents()
    {
        var store = _schema.LoopStore();
        var other = "loopengine_other_" + PostgresDatabase.NewSchema();
        var admin = _schema.DataSource();
        await using (var create = admin.CreateCommand($"CREATE DATABASE \"{other}\";"))
        {
            await create.ExecuteNonQueryAsync();
        }

        try
        {
            var elsewhere = new NpgsqlConnectionStringBuilder(PostgresDatabase.RequireConnectionString()) { Database = other, Pooling = false };
            await using var connection = new NpgsqlConnection(elsewhere.ConnectionString);
            await connection.OpenAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            await using (var write = new NpgsqlCommand("SELECT pg_current_xact_id();", connection, transaction))
            {
                await write.ExecuteScalarAsync(); // The transaction now holds a transaction id, as any writer does.
            }

            var committed = await store.CommitAsync(StoreTestData.Start("org", "PO-HERE").Commit);
            committed.IsCommitted.Should().BeTrue();

            (await store.ReadEventsAsync(0, 100)).Select(e => e.AggregateId).Should().Contain(
                "PO-HERE", "a transaction in another database can never commit events into this one, so it must not hold them back");
            await transaction.RollbackAsync();
        }
        finally
        {
            await using var drop = admin.CreateCommand($"DROP DATABASE IF EXISTS \"{other}\" WITH (FORCE);");
            await drop.ExecuteNonQueryAsync();
        }
    }

    [PostgresFact]
    public async Task ReadEventsAsync_NotificationTransactionOpen_DoesNotHoldBackEventsButOtherWritersDo()
    {
        var store = _schema.LoopStore();
        var dataSource = _schema.DataSource();

        async Task<NpgsqlTransaction> HoldTransactionIdAsync(NpgsqlConnection connection, string applicationName)
        {
            var transaction = await connection.BeginTransactionAsync();
            await using var command = new NpgsqlCommand("SELECT set_config('application_name', $1, true), pg_current_xact_id();", connection, transaction);
            command.Parameters.Add(new NpgsqlParameter { Value = applicationName });
            await command.ExecuteScalarAsync();
            return transaction;
        }

        await using (var notifierLike = await dataSource.OpenConnectionAsync())
        {
            await using var open = await HoldTransactionIdAsync(notifierLike, "loopengine-notifier");
            (await store.CommitAsync(StoreTestData.Start("org", "PO-N1").Commit)).IsCommitted.Should().BeTrue();
            (await store.ReadEventsAsync(0, 100)).Select(e => e.AggregateId).Should().Contain("PO-N1", "a notification transaction never writes events");
            await open.RollbackAsync();
        }

        await using (var writerLike = await dataSource.OpenConnectionAsync())
        {
            var before = (await store.ReadEventsAsync(0, 100))[^1].Position;
            await using var open = await HoldTransactionIdAsync(writerLike, "some-writer");
            (await store.CommitAsync(StoreTestData.Start("org", "PO-N2").Commit)).IsCommitted.Should().BeTrue();
            (await store.ReadEventsAsync(before, 100)).Should().BeEmpty("any other transaction of this database may still commit a lower position");
            await open.RollbackAsync();
        }
    }

    [PostgresFact]
    public async Task Commits_RunOnGenericPlans_AndLeaveTheSessionsPlanCacheModeAsItWas()
    {
        // One pooled connection (prepared after two uses), so the test reads the prepared statements the commits ran.
        var builder = new NpgsqlConnectionStringBuilder(PostgresDatabase.RequireConnectionString())
        {
            MaxPoolSize = 1, MaxAutoPrepare = 64, AutoPrepareMinUsages = 2, NoResetOnClose = true,
        };
        await using var dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
        string before;
        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            before = (string)(await new NpgsqlCommand("SELECT current_setting('plan_cache_mode');", connection).ExecuteScalarAsync())!;
        }

        await using var store = new PostgreSqlLoopStore(dataSource, new PostgreSqlLoopStoreOptions { Schema = _schema.Name });
        var registry = new LoopRegistry();
        registry.Add(LoopDefinition.Create("test.plans").AddState("A").AddState("B", s => s.Terminal())
            .AddTransition("tick", "A", "A", t => t.AllowActors(ActorType.Human))
            .AddTransition("go", "A", "B", t => t.AllowActors(ActorType.Human)).WithOutcome("done", "done", "done").Build());
        var engine = new LoopRuntime(store, registry);
        var human = new Actor(ActorType.Human, "drew");
        await engine.StartAsync(new StartLoopRequest { LoopId = "test.plans", AggregateId = "P-1", Actor = human });
        for (var i = 0; i < 20; i++)
        {
            (await engine.TransitionAsync(new TransitionRequest { AggregateId = "P-1", TransitionId = "tick", Actor = human })).IsExecuted.Should().BeTrue();
        }

        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            var plans = new List<(string Statement, long Generic, long Custom)>();
            await using (var read = new NpgsqlCommand("SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE '%" + _schema.Name + "%';", connection))
            await using (var reader = await read.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    plans.Add((reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2)));
                }
            }

            plans.Should().Contain(p => p.Statement.Contains("UPDATE", StringComparison.Ordinal) && p.Generic >= 10, "the instance update ran prepared on every commit");
            plans.Should().Contain(p => p.Statement.Contains("trace_records", StringComparison.Ordinal) && p.Generic >= 10);
            // The statements every commit ran (not the migration's): none planned anew for its values.
            plans.Where(p => p.Generic + p.Custom >= 10 && p.Custom > 0).Select(p => p.Statement).Should().BeEmpty("no commit statement is planned anew for its values");
            (await new NpgsqlCommand("SELECT current_setting('plan_cache_mode');", connection).ExecuteScalarAsync()).Should().Be(before, "the setting is local to each commit's transaction");
        }
    }

    [Theory]
    [InlineData("Host=127.0.0.1;Username=u", 64, true)]
    [InlineData("Host=127.0.0.1;Username=u;Max Auto Prepare=0;No Reset On Close=false", 0, false)]
    [InlineData("Host=127.0.0.1;Username=u;MaxAutoPrepare=5;NoResetOnClose=false", 5, false)]
    public void CreateDataSource_OwnedDataSource_PreparesAndKeepsStatementsUnlessTheConnectionStringSays(string connectionString, int maxAutoPrepare, bool noResetOnClose)
    {
        using var dataSource = PostgreSqlConnector.CreateDataSource(connectionString);

        var effective = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString);
        effective.MaxAutoPrepare.Should().Be(maxAutoPrepare);
        effective.NoResetOnClose.Should().Be(noResetOnClose);
    }

    private static async Task<List<LoopEvent>> ReadUntilAsync(ILoopStore store, long after, int count)
    {
        var events = new List<LoopEvent>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (events.Count < count && !timeout.IsCancellationRequested)
        {
            var batch = await store.ReadEventsAsync(events.Count == 0 ? after : events[^1].Position, 1000);
            events.AddRange(batch);
            if (batch.Count == 0)
            {
                await store.WaitForEventsAsync(events.Count == 0 ? after : events[^1].Position, TimeSpan.FromMilliseconds(100));
            }
        }

        return events;
    }

    [PostgresFact]
    public async Task Constructor_CallersDataSource_IsUsedAndLeftOpen()
    {
        var dataSource = _schema.DataSource();
        await using (var store = new PostgreSqlLoopStore(dataSource, new PostgreSqlLoopStoreOptions { Schema = _schema.Name }))
        {
            (await store.CommitAsync(StoreTestData.Start("org", "PO-1").Commit)).IsCommitted.Should().BeTrue();
        }

        await using var command = dataSource.CreateCommand($"SELECT count(*) FROM {_schema.Quoted}.instances;");
        ((long)(await command.ExecuteScalarAsync())!).Should().Be(1, "the data source still works after the store is disposed");
    }

    [PostgresFact]
    public async Task InitializeAsync_SchemaAtVersionOne_MigratesToLatestWithPendingCountZeroAndTimers()
    {
        var s = _schema.Quoted;
        await _schema.ExecuteAsync(
            $"CREATE SCHEMA {s}; CREATE TABLE {s}.schema_version (id int PRIMARY KEY CHECK (id = 1), version bigint NOT NULL); INSERT INTO {s}.schema_version VALUES (1, 1); " +
            PostgreSqlSchema.Migrations[0].Replace("{s}", s, StringComparison.Ordinal) +
            $" INSERT INTO {s}.instances (org, aggregate, loop_id, definition_version, current_state, status, version, correlation_id, opened_at, updated_at, head_hash) " +
            "VALUES ('org', 'PO-OLD', 'scm.procurement', '1', 'DRAFT', 0, 1, 'c', 1, 1, 'h');");

        var store = _schema.LoopStore();
        (await store.GetInstanceAsync("org", "PO-OLD"))!.PendingRecommendationCount.Should().Be(0);
        var (commit, instance, _) = StoreTestData.Start("org", "PO-NEW");
        (await store.CommitAsync(commit with { Instances = [new InstanceWrite(instance with { PendingRecommendationCount = 2 }, 0)] })).IsCommitted.Should().BeTrue();
        (await store.GetInstanceAsync("org", "PO-NEW"))!.PendingRecommendationCount.Should().Be(2);
        await store.ScheduleAsync(new LoopTimer { OrgId = "org", AggregateId = "PO-NEW", Kind = TimerKinds.Sla, Key = "OPEN@1", DueAt = StoreTestData.T0, LoopId = "scm.procurement" });
        (await store.ListAsync("org", "PO-NEW")).Should().ContainSingle();
        PostgreSqlSchema.LatestVersion.Should().Be(5);
        await using (var signals = new PostgreSqlSignalStore(_schema.Options()))
        {
            await signals.SetOpenLoopAsync("org", "DEMAND_SPIKE|BRS-001", "PO-NEW");
            (await signals.GetOpenLoopAsync("org", "DEMAND_SPIKE|BRS-001")).Should().Be("PO-NEW", "migration 4 added the signal tables to the old schema");
        }

        await using var version = _schema.DataSource().CreateCommand($"SELECT version FROM {_schema.Quoted}.schema_version;");
        ((long)(await version.ExecuteScalarAsync())!).Should().Be(PostgreSqlSchema.LatestVersion);
    }

    [PostgresFact]
    public async Task DisposeAsync_WhileTheFirstMigrationRuns_WaitsForItAndRefusesLaterUse()
    {
        var store = new PostgreSqlLoopStore(_schema.Options());
        var initializing = store.InitializeAsync();

        await store.DisposeAsync();

        initializing.IsCompleted.Should().BeTrue("disposal waits for a migration in flight before it disposes the data source");
        await initializing;
        await FluentActions.Awaiting(() => store.InitializeAsync()).Should().ThrowAsync<ObjectDisposedException>();
        await FluentActions.Awaiting(async () => await store.GetInstanceAsync("org", "PO-1")).Should().ThrowAsync<ObjectDisposedException>();
    }

    [PostgresFact]
    public async Task InitializeAsync_EightHostsStartingAtOnce_MigrateOnce()
    {
        // Loop, signal and learning stores of eight hosts all start on the fresh schema at once: one migration runs.
        var options = _schema.Options();
        var stores = Enumerable.Range(0, 8).Select(_ => _schema.LoopStore()).ToList();
        await using var signals = new PostgreSqlSignalStore(options);
        await using var otherSignals = new PostgreSqlSignalStore(options);
        await using var learning = new PostgreSqlLearningStore(options);
        await using var otherLearning = new PostgreSqlLearningStore(options);
        Func<Task>[] starts =
        [
            .. stores.Select(s => (Func<Task>)(() => s.InitializeAsync())),
            () => signals.InitializeAsync(), () => otherSignals.InitializeAsync(), () => learning.InitializeAsync(), () => otherLearning.InitializeAsync(),
        ];

        await Task.WhenAll(starts.Select(Task.Run));

        var dataSource = _schema.DataSource();
        await using var command = dataSource.CreateCommand($"SELECT count(*), max(version) FROM {_schema.Quoted}.schema_version;");
        await using var reader = await command.ExecuteReaderAsync();
        (await reader.ReadAsync()).Should().BeTrue();
        reader.GetInt64(0).Should().Be(1);
        reader.GetInt64(1).Should().Be(PostgreSqlSchema.LatestVersion);
        (await stores[3].CommitAsync(StoreTestData.Start("org", "PO-1").Commit)).IsCommitted.Should().BeTrue();
        await signals.SetPositionAsync("signals.outcomes", 7);
        (await otherSignals.GetPositionAsync("signals.outcomes")).Should().Be(7);
        await learning.SaveOutcomeAsync(new Learning.LoopOutcome
        {
            OrgId = "org", LoopId = "scm.procurement", DefinitionVersion = "1", AggregateId = "PO-1", CorrelationId = "c", OutcomeId = "done", ValueUnit = "loop",
            Status = LoopStatus.Closed, FinalState = "DONE", OpenedAt = StoreTestData.T0, ClosedAt = StoreTestData.T0, RecordedAt = StoreTestData.T0, EventId = "e",
        });
        (await otherLearning.GetOutcomeAsync("org", "PO-1")).Should().NotBeNull();
    }

    [PostgresFact]
    public async Task InitializeAsync_SchemaFromNewerVersion_IsRefusedWithTypedError()
    {
        await _schema.LoopStore().InitializeAsync();
        await _schema.ExecuteAsync($"UPDATE {_schema.Quoted}.schema_version SET version = 42;");

        var act = async () => await _schema.LoopStore().GetInstanceAsync("org", "PO-1");

        var error = (await act.Should().ThrowAsync<PostgreSqlStoreSchemaException>()).Which;
        error.DatabaseVersion.Should().Be(42);
        error.Schema.Should().Be(_schema.Name);
    }

    [PostgresFact]
    public async Task CommitAsync_TwoHostProcessesOnSameAggregates_LoseNothingAndReaderSeesEveryEventOnceInOrder()
    {
        var store = _schema.LoopStore();
        var aggregates = new[] { "A0", "A1", "A2", "A3" };
        foreach (var aggregate in aggregates)
        {
            (await store.CommitAsync(StoreTestData.Start("org", aggregate).Commit)).IsCommitted.Should().BeTrue();
        }

        const int perAggregate = 25;
        var environment = new Dictionary<string, string> { ["LOOPENGINE_POSTGRES"] = PostgresDatabase.RequireConnectionString() };
        var outputs = new ConcurrentQueue<string>();
        using var first = TestHostProcess.Start(outputs.Enqueue, environment, "pg-writer", _schema.Name, "h1", string.Join(',', aggregates), perAggregate.ToString());
        using var second = TestHostProcess.Start(outputs.Enqueue, environment, "pg-writer", _schema.Name, "h2", string.Join(',', aggregates), perAggregate.ToString());

        // A catch-up reader follows the events table while both hosts write.
        var seen = new List<LoopEvent>();
        var exited = Task.WhenAll(first.WaitForExitAsync(), second.WaitForExitAsync());
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        while (true)
        {
            var done = exited.IsCompleted;
            var batch = await store.ReadEventsAsync(seen.Count == 0 ? 0 : seen[^1].Position, 50, timeout.Token);
            seen.AddRange(batch);
            if (batch.Count == 0)
            {
                if (done)
                {
                    break;
                }

                await store.WaitForEventsAsync(seen.Count == 0 ? 0 : seen[^1].Position, TimeSpan.FromMilliseconds(200), timeout.Token);
            }
        }

        first.ExitCode.Should().Be(0, string.Join(" | ", outputs));
        second.ExitCode.Should().Be(0, string.Join(" | ", outputs));

        // Drain: the horizon may briefly hold back the last events while any transaction in the cluster is running.
        var expected = aggregates.Length * (1 + (2 * perAggregate));
        seen.AddRange(await ReadUntilAsync(store, seen.Count == 0 ? 0 : seen[^1].Position, expected - seen.Count));
        foreach (var aggregate in aggregates)
        {
            var instance = await store.GetInstanceAsync("org", aggregate);
            var trace = await store.ReadTraceAsync("org", aggregate);
            trace.Should().HaveCount(1 + (2 * perAggregate));
            TraceVerifier.Verify(trace, instance!.Head).IsValid.Should().BeTrue();
            var tags = trace.Skip(1).Select(r => r.Evidence.Root.GetProperty("tag").GetString()).ToList();
            tags.Should().BeEquivalentTo(Enumerable.Range(0, perAggregate).SelectMany(i => new[] { $"h1-{aggregate}-{i}", $"h2-{aggregate}-{i}" }));
        }

        seen.Should().HaveCount(aggregates.Length * (1 + (2 * perAggregate)));
        seen.Select(e => e.EventId).Should().OnlyHaveUniqueItems();
        seen.Select(e => e.Position).Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
        (await store.ReadEventsAsync(0, 10_000)).Select(e => e.EventId).Should().Equal(seen.Select(e => e.EventId), "the follower skipped nothing");
    }
}
