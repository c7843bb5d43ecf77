using BenchmarkDotNet.Attributes;
using LoopEngine;
using LoopEngine.Sqlite;
using Microsoft.Data.Sqlite;

namespace LoopEngine.Benchmarks;

/// <summary>
/// S1/S2: one executed engine transition per commit on the SQLite store (WAL) versus a raw Microsoft.Data.Sqlite insert of a
/// row as wide as the engine's trace record, in its own transaction, with the same pragmas, on a file in the same directory.
/// </summary>
/// <remarks>
/// The engine side is the whole request: read the instance, decide, then one store commit (instance update with its version
/// check, trace record, executed event) acknowledged after the writer's commit and sync.
/// </remarks>
[MemoryDiagnoser]
public abstract class SqliteTransitionBenchmarkBase
{
    private string _dir = null!;
    private SqliteLoopStore _store = null!;
    private LoopRuntime _runtime = null!;
    private TransitionRequest _request = null!;
    private SqliteConnection _raw = null!;
    private SqliteCommand _begin = null!;
    private SqliteCommand _insert = null!;
    private SqliteCommand _commit = null!;
    private long _rawId;

    /// <summary>Gets the synchronous mode of both sides.</summary>
    protected abstract SqliteSynchronousMode Synchronous { get; }

    /// <summary>Gets the width, in characters, of the raw baseline's payload (the engine's canonical trace record).</summary>
    public int RowWidth { get; private set; }

    [GlobalSetup]
    public void Setup()
    {
        _dir = StoreBench.NewTempDirectory(GetType().Name);
        _store = StoreBench.SqliteStore(Path.Combine(_dir, "engine.db"), Synchronous);
        _runtime = BenchLoops.CreateRuntime(_store);
        _request = StoreBench.StartAsync(_runtime, "PO-S", BenchLoops.Evidence("small")).GetAwaiter().GetResult();
        var first = StoreBench.Executed(_runtime.TransitionAsync(_request).AsTask().GetAwaiter().GetResult(), GetType().Name);
        RowWidth = StoreBench.RecordWidth(first.Record!);

        _raw = StoreBench.RawSqlite(Path.Combine(_dir, "raw.db"), Synchronous, "CREATE TABLE raw_rows (id INTEGER PRIMARY KEY, payload TEXT NOT NULL);");
        _begin = Command("BEGIN IMMEDIATE;");
        _commit = Command("COMMIT;");
        _insert = Command("INSERT INTO raw_rows (id, payload) VALUES (@id, @payload);");
        _insert.Parameters.AddWithValue("@id", 0L);
        _insert.Parameters.AddWithValue("@payload", StoreBench.Payload(RowWidth));
        _insert.Prepare();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _begin.Dispose();
        _insert.Dispose();
        _commit.Dispose();
        _raw.Dispose();
        _store.DisposeAsync().AsTask().GetAwaiter().GetResult();
        StoreBench.DeleteDirectory(_dir);
    }

    [Benchmark(Baseline = true)]
    public void RawInsertCommit()
    {
        _begin.ExecuteNonQuery();
        _insert.Parameters[0].Value = ++_rawId;
        _insert.ExecuteNonQuery();
        _commit.ExecuteNonQuery();
    }

    [Benchmark]
    public async Task<TransitionResult> EngineTransition() => StoreBench.Executed(await _runtime.TransitionAsync(_request), GetType().Name);

    private SqliteCommand Command(string sql)
    {
        var command = _raw.CreateCommand();
        command.CommandText = sql;
        return command;
    }
}

/// <summary>S1: SQLite, WAL, <c>synchronous=FULL</c>, one transition per commit; target ≥ 0.8× the raw insert's throughput.</summary>
public class S1SqliteFullBenchmark : SqliteTransitionBenchmarkBase
{
    /// <inheritdoc/>
    protected override SqliteSynchronousMode Synchronous => SqliteSynchronousMode.Full;
}

/// <summary>S2: SQLite, WAL, <c>synchronous=NORMAL</c>, one transition per commit; target ≥ 0.5× the raw insert's throughput.</summary>
public class S2SqliteNormalBenchmark : SqliteTransitionBenchmarkBase
{
    /// <inheritdoc/>
    protected override SqliteSynchronousMode Synchronous => SqliteSynchronousMode.Normal;
}
