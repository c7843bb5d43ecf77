using System.Collections.Concurrent;
using System.Globalization;
using LoopEngine;
using LoopEngine.PostgreSql;
using LoopEngine.Sqlite;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace LoopEngine.Benchmarks;

/// <summary>Settings and helpers the store benchmarks share: temp files, PostgreSQL schemas, notes for the targets table.</summary>
internal static class StoreBench
{
    /// <summary>The environment variable with the PostgreSQL connection string; the P scenarios are skipped without it.</summary>
    public const string PostgresVariable = "LOOPENGINE_POSTGRES";

    /// <summary>Gets or sets a value indicating whether the run is a <c>--smoke</c> run (smaller data sets).</summary>
    public static bool Smoke { get; set; }

    /// <summary>Gets the PostgreSQL connection string, or <see langword="null"/> when the variable is unset.</summary>
    public static string? Postgres => Environment.GetEnvironmentVariable(PostgresVariable) is { Length: > 0 } cs ? cs : null;

    /// <summary>Gets the lines the benchmarks want printed under the table (counts, durability checks).</summary>
    public static ConcurrentQueue<string> Notes { get; } = new();

    /// <summary>Gets the failures found by the benchmarks' own checks (an anomaly, a lost transition): the run fails.</summary>
    public static ConcurrentQueue<string> Failures { get; } = new();

    public static string NewTempDirectory(string scenario)
    {
        var dir = Path.Combine(Path.GetTempPath(), "loopengine-bench-" + scenario + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    public static void DeleteDirectory(string? dir)
    {
        SqliteConnection.ClearAllPools();
        if (dir is not null && Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    public static SqliteLoopStore SqliteStore(string path, SqliteSynchronousMode synchronous) =>
        new(new SqliteLoopStoreOptions { ConnectionString = "Data Source=" + path, Synchronous = synchronous });

    /// <summary>A raw Microsoft.Data.Sqlite connection with the store's pragmas and a one-table schema.</summary>
    public static SqliteConnection RawSqlite(string path, SqliteSynchronousMode synchronous, string createTable)
    {
        var connection = new SqliteConnection("Data Source=" + path);
        connection.Open();
        Execute(connection, "PRAGMA journal_mode=WAL;");
        Execute(connection, synchronous == SqliteSynchronousMode.Full ? "PRAGMA synchronous=FULL;" : "PRAGMA synchronous=NORMAL;");
        Execute(connection, createTable);
        return connection;
    }

    public static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>A schema name of its own for one benchmark (dropped by <see cref="DropSchemaAsync"/>).</summary>
    public static string NewSchema(string scenario) => string.Create(CultureInfo.InvariantCulture, $"bench_{scenario}_{Environment.ProcessId}_{Guid.NewGuid().ToString("N")[..6]}");

    public static PostgreSqlLoopStore PostgresStore(string schema) =>
        new(new PostgreSqlLoopStoreOptions { ConnectionString = Postgres ?? throw new InvalidOperationException(PostgresVariable + " is not set."), Schema = schema });

    public static async Task ExecuteAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    public static async Task DropSchemaAsync(string schema)
    {
        await using var dataSource = NpgsqlDataSource.Create(Postgres!);
        await ExecuteAsync(dataSource, $"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE;");
    }

    /// <summary>
    /// Bytes held by live objects after a full, compacting collection (the large object heap too), so that the free space a
    /// previous measurement left behind does not change the figure.
    /// </summary>
    public static long HeldBytes()
    {
        System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: false);
    }

    /// <summary>Starts one <c>bench.counter</c> loop and returns the request that ticks it.</summary>
    public static async Task<TransitionRequest> StartAsync(LoopRuntime runtime, string aggregateId, Evidence evidence)
    {
        await runtime.StartAsync(new StartLoopRequest { LoopId = "bench.counter", AggregateId = aggregateId, Actor = BenchLoops.Automation });
        return new TransitionRequest { AggregateId = aggregateId, TransitionId = "tick", Actor = BenchLoops.Human, Evidence = evidence };
    }

    /// <summary>Throws unless the transition executed (a benchmark that silently measures rejections measures nothing).</summary>
    public static TransitionResult Executed(TransitionResult result, string scenario) =>
        result.Outcome == TransitionOutcome.Executed ? result : throw new InvalidOperationException($"{scenario}: expected an executed transition, got {result.Outcome}: {result.Message}");

    /// <summary>A payload of <paramref name="width"/> characters for the raw baselines.</summary>
    public static string Payload(int width) => new('x', width);

    /// <summary>The width of the engine's trace row for one transition: the record's canonical JSON (all its stored fields).</summary>
    public static int RecordWidth(TransitionRecord record) => TraceCanonicalizer.ToCanonicalJson(record).Length;
}
