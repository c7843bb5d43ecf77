using System.Diagnostics;
using System.Globalization;
using LoopEngine;
using LoopEngine.Sqlite;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace LoopEngine.Benchmarks;

/// <summary><c>--profile-stores</c>: rough per-operation times of the pieces of a stored transition (for finding what dominates).</summary>
internal static class StoreProfileScenario
{
    /// <summary>Runs the pieces, each <paramref name="n"/> times; the SQLite part in both synchronous modes or only in <paramref name="only"/>.</summary>
    /// <param name="n">Operations per piece.</param>
    /// <param name="only">The one synchronous mode to run, or <see langword="null"/> for both.</param>
    /// <param name="writersOnly">Only the 32-writer SQLite piece (for a CPU trace of group commit alone).</param>
    /// <param name="singleOnly">Only the single-writer SQLite transition (for a CPU trace of S1/S2's path alone).</param>
    public static async Task RunAsync(int n, SqliteSynchronousMode? only = null, bool writersOnly = false, bool singleOnly = false)
    {
        if (singleOnly)
        {
            var singleDir = StoreBench.NewTempDirectory("profile-single");
            var singleStore = StoreBench.SqliteStore(Path.Combine(singleDir, "p.db"), only ?? SqliteSynchronousMode.Normal);
            var singleRuntime = BenchLoops.CreateRuntime(singleStore);
            var singleRequest = await StoreBench.StartAsync(singleRuntime, "PO-1", BenchLoops.Evidence("small"));
            await MeasureAsync($"SQLite {only ?? SqliteSynchronousMode.Normal}: TransitionAsync, one writer", n, async () => await singleRuntime.TransitionAsync(singleRequest));
            await singleStore.DisposeAsync();
            StoreBench.DeleteDirectory(singleDir);
            return;
        }

        if (writersOnly)
        {
            foreach (var mode in new[] { SqliteSynchronousMode.Normal, SqliteSynchronousMode.Full })
            {
                if (only is null || only == mode)
                {
                    await RunWritersAsync(n, mode);
                }
            }

            return;
        }

        var memory = BenchLoops.CreateRuntime(new InMemoryLoopStore());
        var memoryRequest = await StoreBench.StartAsync(memory, "PO-1", BenchLoops.Evidence("small"));
        await MeasureAsync("in-memory TransitionAsync (engine CPU)", n * 10, async () => await memory.TransitionAsync(memoryRequest));
        foreach (var mode in new[] { SqliteSynchronousMode.Normal, SqliteSynchronousMode.Full })
        {
            if (only is not null && only != mode)
            {
                continue;
            }

            var rawDir = StoreBench.NewTempDirectory("profile-raw");
            using (var rawDb = StoreBench.RawSqlite(Path.Combine(rawDir, "r.db"), mode, "CREATE TABLE r (id INTEGER PRIMARY KEY, payload TEXT NOT NULL);"))
            {
                long rid = 0;
                var rawPayload = StoreBench.Payload(700);

                // BEGIN, the given number of single-row inserts, COMMIT.
                void RawCommit(int rows)
                {
                    StoreBench.Execute(rawDb, "BEGIN IMMEDIATE;");
                    for (var r = 0; r < rows; r++)
                    {
                        using var insert = rawDb.CreateCommand();
                        insert.CommandText = "INSERT INTO r (id, payload) VALUES (@id, @p);";
                        insert.Parameters.AddWithValue("@id", ++rid);
                        insert.Parameters.AddWithValue("@p", rawPayload);
                        insert.ExecuteNonQuery();
                    }

                    StoreBench.Execute(rawDb, "COMMIT;");
                }

                foreach (var rows in new[] { 1, 4 })
                {
                    await MeasureAsync($"raw {mode}: BEGIN + {rows} insert(s) + COMMIT", n, () =>
                    {
                        RawCommit(rows);
                        return Task.CompletedTask;
                    });
                }

                Checkpoint(rawDb, "TRUNCATE");
                for (var i = 0; i < 50; i++)
                {
                    RawCommit(1);
                }

                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"raw {mode}: WAL frames per 1-row commit       {Checkpoint(rawDb, "PASSIVE") / 50.0,10:N1}"));
            }

            StoreBench.DeleteDirectory(rawDir);

            var dir = StoreBench.NewTempDirectory("profile");
            var store = StoreBench.SqliteStore(Path.Combine(dir, "p.db"), mode);
            var runtime = BenchLoops.CreateRuntime(store);
            var request = await StoreBench.StartAsync(runtime, "PO-1", BenchLoops.Evidence("small"));
            Console.WriteLine($"SQLite {mode}:");
            await MeasureAsync("  GetInstanceAsync", n, async () => await store.GetInstanceAsync("default", "PO-1"));
            await MeasureAsync("  TransitionAsync", n, async () => await runtime.TransitionAsync(request));
            using (var side = new SqliteConnection("Data Source=" + Path.Combine(dir, "p.db")))
            {
                side.Open();
                Checkpoint(side, "TRUNCATE");
                for (var i = 0; i < 50; i++)
                {
                    await runtime.TransitionAsync(request);
                }

                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  WAL frames per transition              {Checkpoint(side, "PASSIVE") / 50.0,10:N1}"));
            }

            await MeasureSchemaFloorAsync(n, mode);

            var writers = new TransitionRequest[32];
            for (var w = 0; w < writers.Length; w++)
            {
                writers[w] = await StoreBench.StartAsync(runtime, "PO-W" + w.ToString(CultureInfo.InvariantCulture), BenchLoops.Evidence("small"));
            }

            await MeasureAsync("  TransitionAsync, 32 writers (per op)", Math.Max(10, n / 32), () => Task.WhenAll(writers.Select(r => Task.Run(async () => await runtime.TransitionAsync(r)))), 32);
            await store.DisposeAsync();
            StoreBench.DeleteDirectory(dir);
        }

        if (StoreBench.Postgres is null)
        {
            return;
        }

        var schema = StoreBench.NewSchema("profile");
        var pg = StoreBench.PostgresStore(schema);
        var pgRuntime = BenchLoops.CreateRuntime(pg);
        var pgRequest = await StoreBench.StartAsync(pgRuntime, "PO-1", BenchLoops.Evidence("small"));
        await using var raw = NpgsqlDataSource.Create(StoreBench.Postgres);
        await StoreBench.ExecuteAsync(raw, $"CREATE TABLE \"{schema}\".raw_rows (id bigint PRIMARY KEY, payload text NOT NULL);");
        long id = 0;
        var payload = StoreBench.Payload(700);
        async Task Raw(bool notify)
        {
            await using var connection = await raw.OpenConnectionAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            await using var command = new NpgsqlCommand($"INSERT INTO \"{schema}\".raw_rows (id, payload) VALUES (@id, @payload);" + (notify ? "SELECT pg_notify('x_profile', '');" : string.Empty), connection, transaction);
            command.Parameters.AddWithValue("id", Interlocked.Increment(ref id));
            command.Parameters.AddWithValue("payload", payload);
            await command.ExecuteNonQueryAsync();
            await transaction.CommitAsync();
        }

        Console.WriteLine("PostgreSQL, one client:");
        await MeasureAsync("  raw insert + commit", n, () => Raw(false));
        await MeasureAsync("  raw insert + pg_notify + commit", n, () => Raw(true));
        await MeasureAsync("  GetInstanceAsync", n, async () => await pg.GetInstanceAsync("default", "PO-1"));
        await MeasureAsync("  TransitionAsync", n, async () => await pgRuntime.TransitionAsync(pgRequest));
        Console.WriteLine("PostgreSQL, 32 clients (time per op):");
        await MeasureAsync("  raw insert + commit", n, () => Parallel32(() => Raw(false)), 32);
        await MeasureAsync("  raw insert + pg_notify + commit", n, () => Parallel32(() => Raw(true)), 32);
        await pg.DisposeAsync();
        await StoreBench.DropSchemaAsync(schema);
    }

    /// <summary>Runs a checkpoint and returns the frames that were in the WAL.</summary>
    private static long Checkpoint(SqliteConnection connection, string mode)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(" + mode + ");";
        for (var attempt = 0; ; attempt++)
        {
            using var reader = command.ExecuteReader();
            reader.Read();
            if (reader.GetInt64(0) == 0 || attempt == 100)
            {
                return reader.GetInt64(1);
            }

            // Busy: the store's own checkpointer is running; try again shortly.
            Thread.Sleep(10);
        }
    }

    private static async Task RunWritersAsync(int n, SqliteSynchronousMode mode)
    {
        var dir = StoreBench.NewTempDirectory("profile-writers");
        var store = StoreBench.SqliteStore(Path.Combine(dir, "p.db"), mode);
        var runtime = BenchLoops.CreateRuntime(store);
        var writers = new TransitionRequest[32];
        for (var w = 0; w < writers.Length; w++)
        {
            writers[w] = await StoreBench.StartAsync(runtime, "PO-W" + w.ToString(CultureInfo.InvariantCulture), BenchLoops.Evidence("small"));
        }

        var before = store.TransactionCount;
        // As in S3: each writer runs its transitions one after another, without a barrier between rounds.
        var perWriter = Math.Max(10, n / 32 / 10);
        await MeasureAsync($"SQLite {mode}: TransitionAsync, 32 writers (per op)", 10, () => Task.WhenAll(writers.Select(r => Task.Run(async () =>
        {
            for (var i = 0; i < perWriter; i++)
            {
                await runtime.TransitionAsync(r);
            }
        }))), 32 * perWriter);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  commits: {store.TransactionCount - before:N0}"));
        await store.DisposeAsync();
        StoreBench.DeleteDirectory(dir);
    }

    private static Task Parallel32(Func<Task> op) => Task.WhenAll(Enumerable.Range(0, 32).Select(_ => Task.Run(op)));

    /// <summary>
    /// The floor of a transition's writes on the store's own schema, without the engine: <c>BEGIN IMMEDIATE</c>, an update of
    /// the instance row and an insert of a trace row (with its unique index), <c>COMMIT</c>, prepared, on a fresh file
    /// with the store's pragmas; beside a one-row insert of the same width into a table of its own in that file.
    /// </summary>
    private static async Task MeasureSchemaFloorAsync(int n, SqliteSynchronousMode mode)
    {
        var dir = StoreBench.NewTempDirectory("profile-floor");
        var path = Path.Combine(dir, "f.db");
        await using (var store = StoreBench.SqliteStore(path, mode))
        {
            await store.InitializeAsync();
        }

        using (var c = StoreBench.RawSqlite(path, mode, "CREATE TABLE raw_rows (id INTEGER PRIMARY KEY, payload TEXT NOT NULL);"))
        {
            StoreBench.Execute(c, "INSERT INTO instances (org, aggregate, loop_id, definition_version, current_state, status, version, correlation_id, opened_at, updated_at, closed_at, head_hash) " +
                "VALUES ('default', 'PO-F', 'bench.counter', '1.0.0', 'COUNTING', 0, 1, 'corr', 0, 0, NULL, '" + new string('a', 64) + "');");
            using var begin = Prepared(c, "BEGIN IMMEDIATE;");
            using var commit = Prepared(c, "COMMIT;");
            using var raw = Prepared(c, "INSERT INTO raw_rows (id, payload) VALUES (@id, @p);", "@id", "@p");
            using var update = Prepared(c, "UPDATE instances SET current_state = 'COUNTING', version = @v, updated_at = @v, head_hash = @h, pending_recommendation_count = 0 WHERE org = 'default' AND aggregate = 'PO-F' AND version = @e;", "@v", "@h", "@e");
            using var record = Prepared(
                c,
                "INSERT INTO trace_records (rowid, org, aggregate, sequence, loop_id, definition_version, transition_id, from_state, to_state, actor_type, actor_id, occurred_at, evidence, correlation_id, warnings, previous_hash, hash, requested_id_high, requested_id_low, executed_id_high, executed_id_low, duration_ms) " +
                "VALUES (@rowid, 'default', 'PO-F', @seq, 'bench.counter', '1.0.0', 'tick', 'COUNTING', 'COUNTING', 'human', 'drew.kim@lumebonde.co', '2026-02-14T09:14:10.000Z', @evidence, 'corr', '[]', @h, @h, 1, 2, 3, 4, 5);",
                "@rowid", "@seq", "@evidence", "@h");
            var payload = StoreBench.Payload(700);
            var hash = new string('b', 64);
            long id = 0, version = 1;
            await MeasureAsync("  floor, no engine: BEGIN + 1-row insert + COMMIT", n, () =>
            {
                begin.ExecuteNonQuery();
                raw.Parameters[0].Value = ++id;
                raw.Parameters[1].Value = payload;
                raw.ExecuteNonQuery();
                commit.ExecuteNonQuery();
                return Task.CompletedTask;
            });
            await MeasureAsync("  floor, no engine: BEGIN + instance UPDATE + trace INSERT + COMMIT", n, () =>
            {
                begin.ExecuteNonQuery();
                update.Parameters[0].Value = version + 1;
                update.Parameters[1].Value = hash;
                update.Parameters[2].Value = version;
                update.ExecuteNonQuery();
                version++;
                record.Parameters[0].Value = version;
                record.Parameters[1].Value = version;
                record.Parameters[2].Value = """{"approved":true,"method":"3-way-match"}""";
                record.Parameters[3].Value = hash;
                record.ExecuteNonQuery();
                commit.ExecuteNonQuery();
                return Task.CompletedTask;
            });
        }

        StoreBench.DeleteDirectory(dir);

        static SqliteCommand Prepared(SqliteConnection connection, string sql, params string[] parameters)
        {
            var command = connection.CreateCommand();
            command.CommandText = sql;
            foreach (var name in parameters)
            {
                command.Parameters.AddWithValue(name, DBNull.Value);
            }

            command.Prepare();
            return command;
        }
    }

    private static async Task MeasureAsync(string name, int n, Func<Task> op, int opsPerCall = 1)
    {
        for (var i = 0; i < Math.Max(5, n / 10); i++)
        {
            await op();
        }

        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < n; i++)
        {
            await op();
        }

        var wall = sw.Elapsed;
        cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-40} {wall.TotalMilliseconds * 1000 / (n * opsPerCall),10:N1} us/op {cpu.TotalMilliseconds * 1000 / (n * opsPerCall),10:N1} us CPU/op (process)"));
    }
}
