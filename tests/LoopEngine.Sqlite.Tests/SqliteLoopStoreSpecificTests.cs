using LoopEngine.Conformance;
using LoopEngine.Stores;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace LoopEngine.Sqlite.Tests;

public sealed class SqliteLoopStoreSpecificTests : IDisposable
{
    private readonly TempDatabase _database = new();

    public void Dispose() => _database.Dispose();

    private long Scalar(string sql) => _database.Scalar(sql);

    [Fact]
    public async Task InitializeAsync_NewFile_CreatesSchemaAtLatestVersionInWalMode()
    {
        await using (var store = new SqliteLoopStore(_database.ConnectionString()))
        {
            await store.InitializeAsync();
        }

        Scalar("SELECT version FROM schema_version").Should().Be(SqliteSchema.LatestVersion);
        using var connection = new SqliteConnection(_database.ConnectionString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        command.ExecuteScalar().Should().Be("wal");
    }

    [Fact]
    public async Task InitializeAsync_ReopenedFile_KeepsDataAndDoesNotMigrateAgain()
    {
        await using (var store = new SqliteLoopStore(_database.ConnectionString()))
        {
            (await store.CommitAsync(StoreTestData.Start("org", "PO-1").Commit)).IsCommitted.Should().BeTrue();
        }

        await using (var reopened = new SqliteLoopStore(_database.ConnectionString()))
        {
            (await reopened.GetInstanceAsync("org", "PO-1")).Should().NotBeNull();
        }

        Scalar("SELECT COUNT(*) FROM schema_version").Should().Be(1);
    }

    [Fact]
    public async Task InitializeAsync_DatabaseAtVersionOne_AddsPendingRecommendationCountWithZeroDefault()
    {
        Scalar("CREATE TABLE schema_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL); INSERT INTO schema_version VALUES (1, 1); SELECT 1;");
        Scalar(SqliteSchema.Migrations[0] + " SELECT 1;");
        Scalar("INSERT INTO instances (org, aggregate, loop_id, definition_version, current_state, status, version, correlation_id, opened_at, updated_at, head_hash) " +
            "VALUES ('org', 'PO-OLD', 'scm.procurement', '1', 'DRAFT', 0, 1, 'c', 1, 1, 'h'); SELECT 1;");

        await using (var store = new SqliteLoopStore(_database.ConnectionString()))
        {
            var old = await store.GetInstanceAsync("org", "PO-OLD");
            old!.PendingRecommendationCount.Should().Be(0);
            var (commit, instance, _) = StoreTestData.Start("org", "PO-NEW");
            (await store.CommitAsync(commit with { Instances = [new InstanceWrite(instance with { PendingRecommendationCount = 2 }, 0)] })).IsCommitted.Should().BeTrue();
            (await store.GetInstanceAsync("org", "PO-NEW"))!.PendingRecommendationCount.Should().Be(2);
        }

        SqliteSchema.LatestVersion.Should().BeGreaterThanOrEqualTo(2);
        Scalar("SELECT version FROM schema_version").Should().Be(SqliteSchema.LatestVersion);
        Scalar("SELECT pending_recommendation_count FROM instances WHERE aggregate = 'PO-NEW'").Should().Be(2);
    }

    [Fact]
    public async Task InitializeAsync_DatabaseAtVersionFour_MovesTraceRecordsToAnAppendedTableAndKeepsThemUnique()
    {
        // Records written by the current store in a second file, copied into a file at schema version 4 (trace records
        // clustered by aggregate, WITHOUT ROWID).
        var (start, instance, record) = StoreTestData.Start("org", "PO-OLD");
        var (next, _, _) = StoreTestData.Next(instance, record);
        await using (var source = new SqliteLoopStore(_database.ConnectionString("source.db")))
        {
            (await source.CommitAsync(start)).IsCommitted.Should().BeTrue();
            (await source.CommitAsync(next)).IsCommitted.Should().BeTrue();
        }

        Scalar("CREATE TABLE schema_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL); INSERT INTO schema_version VALUES (1, 4); SELECT 1;");
        Scalar(string.Concat(SqliteSchema.Migrations[..4]) + " SELECT 1;");
        Scalar($"ATTACH '{_database.Path("source.db")}' AS source; INSERT INTO instances SELECT * FROM source.instances; INSERT INTO trace_records SELECT {StoreRows.RecordColumns} FROM source.trace_records; INSERT INTO events SELECT * FROM source.events; SELECT 1;");
        Scalar("SELECT COUNT(*) FROM sqlite_schema WHERE name = 'trace_records' AND sql LIKE '%WITHOUT ROWID%'").Should().Be(1);

        await using (var store = new SqliteLoopStore(_database.ConnectionString()))
        {
            var trace = await store.ReadTraceAsync("org", "PO-OLD");
            trace.Select(r => r.Hash).Should().Equal(record.Hash, next.Records[0].Hash);
            trace[1].Should().BeEquivalentTo(next.Records[0]);

            // The unique index still makes a second record at a stored sequence a conflict, never an overwrite.
            var duplicate = next with { Instances = [] };
            (await store.CommitAsync(duplicate)).Outcome.Should().Be(CommitOutcome.VersionConflict);

            // Positions continue after the events the old file holds (migration 6 takes them from both sources).
            var copied = (await store.ReadEventsAsync(0, 100)).Select(e => e.Position).ToList();
            copied.Should().Equal(Enumerable.Range(1, start.Events.Count + next.Events.Count).Select(p => (long)p));
            var after = await store.CommitAsync(StoreTestData.Start("org", "PO-AFTER").Commit);
            after.EventPositions.Should().Equal(Enumerable.Range(copied.Count + 1, after.EventPositions.Count).Select(p => (long)p));
        }

        Scalar("SELECT version FROM schema_version").Should().Be(SqliteSchema.LatestVersion);
        Scalar("SELECT COUNT(*) FROM sqlite_schema WHERE name = 'trace_records' AND sql LIKE '%WITHOUT ROWID%'").Should().Be(0);
        Scalar("SELECT COUNT(*) FROM sqlite_schema WHERE name = 'ux_trace_records'").Should().Be(1);
        Scalar("SELECT COUNT(*) FROM trace_records").Should().Be(3, "the two copied records and the start written after the migration");
        Scalar("SELECT COUNT(*) FROM trace_records WHERE rowid > 0").Should().Be(0, "row ids above zero are event positions (migration 6), and these records hold none");
    }

    [Fact]
    public async Task InitializeAsync_DatabaseFromNewerVersion_IsRefusedWithTypedError()
    {
        await using (var store = new SqliteLoopStore(_database.ConnectionString()))
        {
            await store.InitializeAsync();
        }

        Scalar("UPDATE schema_version SET version = 99; SELECT version FROM schema_version;").Should().Be(99);

        await using var newer = new SqliteLoopStore(_database.ConnectionString());
        var act = async () => await newer.GetInstanceAsync("org", "PO-1");
        var error = (await act.Should().ThrowAsync<SqliteStoreSchemaException>()).Which;
        error.DatabaseVersion.Should().Be(99);
        error.SupportedVersion.Should().Be(SqliteSchema.LatestVersion);
        error.Message.Should().Contain("99").And.Contain("Upgrade");
    }

    [Theory]
    [InlineData("")]
    [InlineData("Data Source=:memory:")]
    [InlineData("Data Source=x;Mode=Memory")]
    public void Constructor_NoFile_Throws(string connectionString)
    {
        var act = () => new SqliteLoopStore(connectionString);
        act.Should().Throw<ArgumentException>().WithMessage("*Data Source*");
    }

    [Fact]
    public async Task AddSqliteLoopStore_ExistingStoreRegistered_ReplacesIt()
    {
        var services = new ServiceCollection();
        services.AddSingleton<ILoopStore, InMemoryLoopStore>();
        services.AddSqliteLoopStore(_database.ConnectionString(), o => o.Synchronous = SqliteSynchronousMode.Normal);

        await using var provider = services.BuildServiceProvider();
        var store = provider.GetRequiredService<ILoopStore>();

        store.Should().BeOfType<SqliteLoopStore>().And.BeSameAs(provider.GetRequiredService<SqliteLoopStore>());
        services.Count(d => d.ServiceType == typeof(ILoopStore)).Should().Be(1);
        (await store.CommitAsync(StoreTestData.Start("org", "PO-1").Commit)).IsCommitted.Should().BeTrue();
    }

    [Fact]
    public async Task UseSqliteStore_OnEngineBuilder_EngineWritesToTheFile()
    {
        var services = new ServiceCollection();
        services.AddLoopEngine(b => b.AddLoop(LoopDefinition.Create("test.di").AddState("A").AddState("B", s => s.Terminal())
                .AddTransition("go", "A", "B", t => t.AllowActors(ActorType.Human)).WithOutcome("done", "done", "done").Build()))
            .UseSqliteStore(_database.ConnectionString(), o => o.Synchronous = SqliteSynchronousMode.Full);

        await using (var provider = services.BuildServiceProvider())
        {
            provider.GetRequiredService<ILoopStore>().Should().BeOfType<SqliteLoopStore>().And.BeSameAs(provider.GetRequiredService<SqliteLoopStore>());
            services.Count(d => d.ServiceType == typeof(ILoopStore)).Should().Be(1);
            var engine = provider.GetRequiredService<ILoopEngine>();
            var human = new Actor(ActorType.Human, "drew");
            await engine.StartAsync(new StartLoopRequest { LoopId = "test.di", AggregateId = "D-1", Actor = human });
            (await engine.TransitionAsync(new TransitionRequest { AggregateId = "D-1", TransitionId = "go", Actor = human })).IsExecuted.Should().BeTrue();
        }

        await using var reopened = new SqliteLoopStore(_database.ConnectionString());
        var instance = await reopened.GetInstanceAsync("default", "D-1");
        instance!.CurrentState.Should().Be("B");
        (await reopened.ReadTraceAsync("default", "D-1")).Should().HaveCount(2);
    }

    [Fact]
    public async Task CommitAsync_ThirtyTwoConcurrentWriters_ShareTransactionsAndAreAllDurable()
    {
        var options = new SqliteLoopStoreOptions { ConnectionString = _database.ConnectionString() };
        await using (var store = new SqliteLoopStore(options))
        {
            // A thread per writer: a lone caller commits synchronously on its own thread, so writers that shared one pool
            // thread would never overlap; these do, as concurrent callers of a real application do.
            var results = await Task.WhenAll(Enumerable.Range(0, 32).Select(w => Task.Factory.StartNew(
                () =>
                {
                    var committed = 0;
                    for (var i = 0; i < 20; i++)
                    {
                        committed += store.CommitAsync(StoreTestData.Start("org", $"PO-{w}-{i}").Commit).AsTask().GetAwaiter().GetResult().IsCommitted ? 1 : 0;
                    }

                    return committed;
                },
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default)));
            results.Sum().Should().Be(640);
            store.TransactionCount.Should().BeLessThan(640, "concurrent writes share transactions (group commit)");
        }

        Scalar("SELECT COUNT(*) FROM instances").Should().Be(640);
        Scalar("SELECT COUNT(*) FROM events").Should().Be(640);
        Scalar("SELECT MAX(position) FROM events").Should().Be(640, "positions are gapless");
    }

    [Fact]
    public async Task CommitAsync_OneWriteInBatchFails_OnlyThatCallerSeesTheError()
    {
        await using var store = new SqliteLoopStore(_database.ConnectionString());
        await store.InitializeAsync();
        var (bad, _, _) = StoreTestData.Start("org", "PO-BAD");
        bad = bad with { Events = [bad.Events[0] with { Type = null! }] };
        var transactions = store.TransactionCount;

        List<Task<CommitResult>> tasks;
        using (store.HoldWriter())
        {
            tasks = Enumerable.Range(0, 20).Select(i => store.CommitAsync(i == 10 ? bad : StoreTestData.Start("org", "PO-" + i).Commit).AsTask()).ToList();
        }

        await FluentActions.Awaiting(() => tasks[10]).Should().ThrowAsync<SqliteException>("its event has no type (NOT NULL fails after its instance and record rows were written)");
        tasks.Where((_, i) => i != 10).Should().OnlyContain(t => t.Result.IsCommitted);
        store.TransactionCount.Should().Be(transactions + 1, "the 20 writes queued behind the held writer share one transaction");
        store.BatchRetryCount.Should().Be(1, "the bad write failed after its instance row was written: the batch ran again with savepoints");
        (await store.GetInstanceAsync("org", "PO-BAD")).Should().BeNull("the failed write's savepoint was rolled back");
        (await store.ReadTraceAsync("org", "PO-BAD")).Should().BeEmpty();
        var events = await store.ReadEventsAsync(0, 100);
        events.Select(e => e.Position).Should().Equal(Enumerable.Range(1, 19).Select(i => (long)i), "positions stay gap-free");
    }

    [Fact]
    public async Task CommitAsync_BatchWithAWriteRejectedAfterItsFirstRows_CommitsExactlyTheOthers()
    {
        await using var store = new SqliteLoopStore(_database.ConnectionString());
        var (keyed, keyedInstance, keyedRecord) = StoreTestData.Start("org", "PO-K");
        (await store.CommitAsync(keyed)).IsCommitted.Should().BeTrue();
        var key = new IdempotencyEntry { OrgId = "org", AggregateId = "PO-K", Key = "k-1", RequestHash = "h", CreatedAt = StoreTestData.T0 };
        var (withKey, _, _) = StoreTestData.Next(keyedInstance, keyedRecord, idempotency: key);
        (await store.CommitAsync(withKey)).IsCommitted.Should().BeTrue();
        var (stale, staleInstance, staleRecord) = StoreTestData.Start("org", "PO-V");
        (await store.CommitAsync(stale)).IsCommitted.Should().BeTrue();
        var (first, _, _) = StoreTestData.Next(staleInstance, staleRecord, toState: "ONE");
        (await store.CommitAsync(first)).IsCommitted.Should().BeTrue();
        var eventsBefore = (await store.ReadEventsAsync(0, 1000)).Count;

        // This write changes rows before it fails: an instance and a record, then its idempotency key already exists (not
        // kept, no exception). The version conflict changes nothing.
        var (keyExists, _, _) = StoreTestData.Start("org", "PO-KEY-AGAIN");
        keyExists = keyExists with { Idempotency = key with { RequestHash = "other" } };
        var (conflict, _, _) = StoreTestData.Next(staleInstance, staleRecord, toState: "TWO");
        var transactions = store.TransactionCount;

        Task<CommitResult>[] good;
        Task<CommitResult> keyResult, conflictResult;
        using (store.HoldWriter())
        {
            good = Enumerable.Range(0, 5).Select(i => store.CommitAsync(StoreTestData.Start("org", "PO-A" + i).Commit).AsTask()).ToArray();
            keyResult = store.CommitAsync(keyExists).AsTask();
            conflictResult = store.CommitAsync(conflict).AsTask();
            good = [.. good, .. Enumerable.Range(0, 5).Select(i => store.CommitAsync(StoreTestData.Start("org", "PO-B" + i).Commit).AsTask())];
        }

        (await keyResult).Outcome.Should().Be(CommitOutcome.IdempotencyKeyExists);
        (await conflictResult).Outcome.Should().Be(CommitOutcome.VersionConflict);
        (await conflictResult).ActualVersion.Should().Be(2);
        (await Task.WhenAll(good)).Should().OnlyContain(r => r.IsCommitted);
        (await store.GetInstanceAsync("org", "PO-KEY-AGAIN")).Should().BeNull();
        (await store.ReadTraceAsync("org", "PO-KEY-AGAIN")).Should().BeEmpty();
        (await store.GetIdempotencyEntryAsync("org", "PO-K", "k-1"))!.RequestHash.Should().Be("h");
        (await store.GetInstanceAsync("org", "PO-V"))!.CurrentState.Should().Be("ONE");
        var events = await store.ReadEventsAsync(0, 1000);
        events.Should().HaveCount(eventsBefore + 10);
        events.Select(e => e.Position).Should().Equal(Enumerable.Range(1, eventsBefore + 10).Select(i => (long)i), "positions stay gap-free");
        Scalar("SELECT COUNT(*) FROM instances").Should().Be(12);
        store.TransactionCount.Should().Be(transactions + 1);
        store.BatchRetryCount.Should().Be(1, "the rejected write had changed rows: the batch ran again with a savepoint per write");
    }

    [Fact]
    public async Task CommitAsync_BatchWithAWriteRefusedBeforeAnyRow_TheNextWritesTakeItsPositions()
    {
        // A commit of a trace record alone (no instance write) that repeats a stored sequence is refused by its first
        // statement, after it took positions for its events: the writes after it in the batch take those positions.
        await using var store = new SqliteLoopStore(_database.ConnectionString());
        var (start, instance, record) = StoreTestData.Start("org", "PO-R");
        var (next, _, _) = StoreTestData.Next(instance, record);
        (await store.CommitAsync(start)).IsCommitted.Should().BeTrue();
        (await store.CommitAsync(next)).IsCommitted.Should().BeTrue();
        var eventsBefore = (await store.ReadEventsAsync(0, 1000)).Count;
        var transactions = store.TransactionCount;

        Task<CommitResult> refused;
        Task<CommitResult>[] good;
        using (store.HoldWriter())
        {
            refused = store.CommitAsync(next with { Instances = [] }).AsTask();
            good = Enumerable.Range(0, 3).Select(i => store.CommitAsync(StoreTestData.Start("org", "PO-R" + i).Commit).AsTask()).ToArray();
        }

        (await refused).Outcome.Should().Be(CommitOutcome.VersionConflict);
        (await Task.WhenAll(good)).Should().OnlyContain(r => r.IsCommitted);
        store.TransactionCount.Should().Be(transactions + 1);
        store.BatchRetryCount.Should().Be(0, "the refused write changed no row");
        var events = await store.ReadEventsAsync(0, 1000);
        events.Select(e => e.Position).Should().Equal(Enumerable.Range(1, eventsBefore + 3).Select(i => (long)i), "positions stay gap-free");
    }

    [Fact]
    public async Task CommitAsync_MixedBatches_GiveTheResultsOfTheSameWritesOneByOne()
    {
        // Batches mixing kept writes, conflicts that change nothing, and writes rejected or failing after changing rows (so
        // the batch runs twice): every result and the final file must equal those of the same writes committed one by one.
        await using var batched = new SqliteLoopStore(_database.ConnectionString("batched.db"));
        await using var single = new SqliteLoopStore(_database.ConnectionString("single.db"));
        await batched.InitializeAsync();
        var random = new Random(5);
        var heads = new Dictionary<string, (LoopInstance Instance, TransitionRecord Record)>();
        var key = new IdempotencyEntry { OrgId = "org", AggregateId = "PO-0", Key = "k", RequestHash = "h", CreatedAt = StoreTestData.T0 };
        for (var round = 0; round < 12; round++)
        {
            var commits = new List<StoreCommit>();
            for (var i = 0; i < 24; i++)
            {
                var aggregate = "PO-" + random.Next(8);
                var kind = random.Next(6);
                if (!heads.TryGetValue(aggregate, out var head) || kind == 0)
                {
                    var (start, instance, record) = StoreTestData.Start("org", aggregate);
                    commits.Add(start);
                    heads.TryAdd(aggregate, (instance, record));
                    continue;
                }

                var (next, nextInstance, nextRecord) = StoreTestData.Next(head.Instance, head.Record, toState: "S" + round + "-" + i);
                commits.Add(kind switch
                {
                    1 => next with { Idempotency = key with { AggregateId = aggregate, Key = "k-" + random.Next(4) } },
                    2 => next with { Events = [next.Events[0] with { Type = null! }] },
                    3 => next with { Instances = [] },
                    _ => next,
                });
                if (kind is 4 or 5)
                {
                    heads[aggregate] = (nextInstance, nextRecord);
                }
            }

            var expected = new List<string>();
            foreach (var commit in commits)
            {
                expected.Add(await Outcome(single.CommitAsync(commit).AsTask()));
            }

            Task<CommitResult>[] tasks;
            using (batched.HoldWriter())
            {
                tasks = [.. commits.Select(c => batched.CommitAsync(c).AsTask())];
            }

            var actual = new List<string>();
            foreach (var task in tasks)
            {
                actual.Add(await Outcome(task));
            }

            actual.Should().Equal(expected, "round {0}", round);

            // Heads follow what really committed.
            foreach (var aggregate in heads.Keys.ToList())
            {
                var instance = await single.GetInstanceAsync("org", aggregate);
                var trace = await single.ReadTraceAsync("org", aggregate);
                if (instance is null)
                {
                    heads.Remove(aggregate);
                }
                else
                {
                    heads[aggregate] = (instance, trace[^1]);
                }
            }
        }

        batched.BatchRetryCount.Should().BePositive("some batches ran a second time with savepoints");
        (await batched.ReadEventsAsync(0, 10_000)).Select(e => (e.Position, e.EventId)).Should().Equal((await single.ReadEventsAsync(0, 10_000)).Select(e => (e.Position, e.EventId)));
        for (var a = 0; a < 8; a++)
        {
            (await batched.GetInstanceAsync("org", "PO-" + a)).Should().BeEquivalentTo(await single.GetInstanceAsync("org", "PO-" + a));
            (await batched.ReadTraceAsync("org", "PO-" + a)).Should().BeEquivalentTo(await single.ReadTraceAsync("org", "PO-" + a), o => o.WithStrictOrdering());
        }

        static async Task<string> Outcome(Task<CommitResult> task)
        {
            try
            {
                var result = await task;
                return $"{result.Outcome} {result.ConflictAggregateId} {result.ActualVersion} [{string.Join(',', result.EventPositions)}]";
            }
            catch (SqliteException ex)
            {
                return "error " + ex.SqliteErrorCode;
            }
        }
    }

    [Fact]
    public async Task CommitAsync_BatchWithVersionConflictsOnly_CommitsTheOthersWithoutASecondAttempt()
    {
        await using var store = new SqliteLoopStore(_database.ConnectionString());
        var (start, instance, record) = StoreTestData.Start("org", "PO-V");
        (await store.CommitAsync(start)).IsCommitted.Should().BeTrue();
        var transactions = store.TransactionCount;

        Task<CommitResult>[] results;
        using (store.HoldWriter())
        {
            // Three transitions from version 1: the first wins, the other two conflict at their instance write (no row changed).
            results = new[] { "ONE", "TWO", "THREE" }.Select(state => store.CommitAsync(StoreTestData.Next(instance, record, toState: state).Commit).AsTask())
                .Concat(Enumerable.Range(0, 5).Select(i => store.CommitAsync(StoreTestData.Start("org", "PO-" + i).Commit).AsTask()))
                .ToArray();
        }

        var outcomes = await Task.WhenAll(results);
        outcomes[0].IsCommitted.Should().BeTrue();
        outcomes[1..3].Should().OnlyContain(r => r.Outcome == CommitOutcome.VersionConflict && r.ActualVersion == 2);
        outcomes[3..].Should().OnlyContain(r => r.IsCommitted);
        store.TransactionCount.Should().Be(transactions + 1);
        store.BatchRetryCount.Should().Be(0, "a conflict found by the instance write changed nothing, so the batch needs no savepoints");
        (await store.GetInstanceAsync("org", "PO-V"))!.CurrentState.Should().Be("ONE");
        (await store.ReadTraceAsync("org", "PO-V")).Should().HaveCount(2);
        (await store.ReadEventsAsync(0, 100)).Select(e => e.Position).Should().Equal(Enumerable.Range(1, 7).Select(i => (long)i));
    }

    [Fact]
    public async Task DisposeAsync_AfterBackgroundCheckpointsAndKeptReaders_LeavesNoConnectionOpen()
    {
        var options = new SqliteLoopStoreOptions { ConnectionString = _database.ConnectionString(), Synchronous = SqliteSynchronousMode.Normal };
        await using (var store = new SqliteLoopStore(options))
        {
            for (var i = 0; i < 400; i++)
            {
                (await store.CommitAsync(StoreTestData.Start("org", "PO-" + i).Commit)).IsCommitted.Should().BeTrue();
            }

            await Task.WhenAll(Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
            {
                for (var i = 0; i < 50; i++)
                {
                    (await store.GetInstanceAsync("org", $"PO-{(w * 50) + i}")).Should().NotBeNull();
                }
            })));
            store.Checkpointer!.BackgroundPasses.Should().BePositive();
        }

        AssertNoConnectionLeftOpen();
    }

    [Fact]
    public async Task DisposeAsync_WhileReadsRun_LeavesNoConnectionOpen()
    {
        var store = new SqliteLoopStore(_database.ConnectionString());
        (await store.CommitAsync(StoreTestData.Start("org", "PO-1").Commit)).IsCommitted.Should().BeTrue();
        using var started = new CountdownEvent(4);
        var readers = Enumerable.Range(0, 4).Select(_ => Task.Factory.StartNew(
            () =>
            {
                started.Signal();
                var reads = 0;
                while (true)
                {
                    try
                    {
                        store.GetInstanceAsync("org", "PO-1").AsTask().GetAwaiter().GetResult().Should().NotBeNull();
                        reads++;
                    }
                    catch (ObjectDisposedException)
                    {
                        return reads;
                    }
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default)).ToArray();
        started.Wait();
        await Task.Delay(20);

        await store.DisposeAsync();
        (await Task.WhenAll(readers)).Should().OnlyContain(n => n > 0);

        AssertNoConnectionLeftOpen();
    }

    [Fact]
    public async Task CommitAsync_LargeGroupCommits_KeepTheWalWithinTheHardLimit()
    {
        // Group commits of 64 writes with ~60 KB of evidence each: ~1,000 WAL frames per transaction, far more than the few
        // frames of a lone transition. The WAL must still not outgrow the hard limit (at which the writer checkpoints
        // inline, as SQLite's auto-checkpoint would), whatever the checkpointer estimated from earlier commits.
        const int transactions = 14;
        const int writesPerTransaction = 64;
        var evidence = Evidence.Parse("{\"blob\":\"" + new string('x', 60 * 1024) + "\"}");
        var options = new SqliteLoopStoreOptions { ConnectionString = _database.ConnectionString(), Synchronous = SqliteSynchronousMode.Normal };
        var walBytes = 0L;
        await using (var store = new SqliteLoopStore(options))
        {
            await store.InitializeAsync();
            for (var t = 0; t < transactions; t++)
            {
                Task<CommitResult>[] results;
                using (store.HoldWriter())
                {
                    results = Enumerable.Range(0, writesPerTransaction)
                        .Select(i => store.CommitAsync(StoreTestData.Start("org", $"PO-{t}-{i}", evidence: evidence).Commit).AsTask())
                        .ToArray();
                }

                (await Task.WhenAll(results)).Should().OnlyContain(r => r.IsCommitted);
                walBytes = Math.Max(walBytes, new FileInfo(_database.Path() + "-wal").Length);
            }

            store.TransactionCount.Should().BeLessThanOrEqualTo(transactions + 1, "each held group is one transaction");
        }

        // Margin: one transaction's frames (the check runs after a commit) and what one background pass may let through.
        walBytes.Should().BeLessThan((WalCheckpointer.HardFrames + 2500) * (4096 + 24L));
        Scalar("SELECT COUNT(*) FROM trace_records").Should().Be(transactions * writesPerTransaction);
    }

    [Fact]
    public async Task CommitAsync_ThousandsOfCommits_CheckpointsOffTheCommitPathAndKeepsTheWalBounded()
    {
        const int commits = 3000;
        var options = new SqliteLoopStoreOptions { ConnectionString = _database.ConnectionString(), Synchronous = SqliteSynchronousMode.Normal };
        var walBytes = 0L;
        await using (var store = new SqliteLoopStore(options))
        {
            for (var i = 0; i < commits; i++)
            {
                (await store.CommitAsync(StoreTestData.Start("org", "PO-" + i).Commit)).IsCommitted.Should().BeTrue();
                walBytes = Math.Max(walBytes, new FileInfo(_database.Path() + "-wal").Length);
            }

            store.Checkpointer!.BackgroundPasses.Should().BePositive("checkpoints run on the checkpointer's own connection");
            store.Checkpointer.WriterCheckpoints.Should().BePositive("the writer copies the last frames so that SQLite restarts the WAL");
        }

        // About 4 frames a commit: 12,000 frames were written, but the WAL restarted instead of growing past the hard limit.
        walBytes.Should().BeLessThan((WalCheckpointer.HardFrames + 100) * (4096 + 24L));
        Scalar("SELECT COUNT(*) FROM instances").Should().Be(commits);
        Scalar("SELECT COUNT(*) FROM events").Should().Be(commits);
        using var connection = new SqliteConnection(_database.ConnectionString());
        connection.Open();
        using var check = connection.CreateCommand();
        check.CommandText = "PRAGMA integrity_check;";
        check.ExecuteScalar().Should().Be("ok");
    }

    [Fact]
    public async Task CommitAsync_UpdateThatChangesIdentityColumns_WritesTheWholeRowAndItsIndexes()
    {
        await using var store = new SqliteLoopStore(_database.ConnectionString());
        var (start, instance, record) = StoreTestData.Start("org", "PO-ID", correlationId: "corr-1");
        (await store.CommitAsync(start)).IsCommitted.Should().BeTrue();
        var (next, moved, _) = StoreTestData.Next(instance, record);
        var changed = moved with { CorrelationId = "corr-2", ParentLoopId = "scm.parent", ParentAggregateId = "PARENT-1", OpenedAt = instance.OpenedAt.AddMinutes(-1) };
        next = next with { Instances = [new InstanceWrite(changed, instance.Version)] };

        (await store.CommitAsync(next)).IsCommitted.Should().BeTrue();

        (await store.GetInstanceAsync("org", "PO-ID")).Should().BeEquivalentTo(changed);
        (await store.QueryInstancesAsync(new InstanceQuery { OrgId = "org", CorrelationId = "corr-2" })).Items.Should().ContainSingle();
        (await store.QueryInstancesAsync(new InstanceQuery { OrgId = "org", CorrelationId = "corr-1" })).Items.Should().BeEmpty();
        (await store.QueryInstancesAsync(new InstanceQuery { OrgId = "org", ParentAggregateId = "PARENT-1" })).Items.Should().ContainSingle();
    }

    [Fact]
    public async Task CommitAsync_StaleVersion_IsAConflictOnTheStateOnlyUpdateToo()
    {
        await using var store = new SqliteLoopStore(_database.ConnectionString());
        var (start, instance, record) = StoreTestData.Start("org", "PO-V");
        (await store.CommitAsync(start)).IsCommitted.Should().BeTrue();
        var (first, _, _) = StoreTestData.Next(instance, record, toState: "ONE");
        var (second, _, _) = StoreTestData.Next(instance, record, toState: "TWO");
        (await store.CommitAsync(first)).IsCommitted.Should().BeTrue();

        var result = await store.CommitAsync(second);

        result.Outcome.Should().Be(CommitOutcome.VersionConflict);
        result.ActualVersion.Should().Be(2);
        (await store.GetInstanceAsync("org", "PO-V"))!.CurrentState.Should().Be("ONE");
    }

    /// <summary>Leaving WAL mode needs the only connection to the file: any connection a store left open (kept, pooled) refuses it.</summary>
    private void AssertNoConnectionLeftOpen()
    {
        using var only = new SqliteConnection(_database.ConnectionString() + ";Pooling=False;Default Timeout=2");
        only.Open();
        using var command = only.CreateCommand();
        command.CommandText = "PRAGMA journal_mode=DELETE;";
        command.ExecuteScalar().Should().Be("delete");
    }
}
