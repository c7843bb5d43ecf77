using System.Globalization;
using BenchmarkDotNet.Attributes;
using LoopEngine;
using LoopEngine.Sqlite;
using Microsoft.Data.Sqlite;

namespace LoopEngine.Benchmarks;

/// <summary>
/// S3: 32 concurrent writers, each on its own aggregate, on one SQLite store with <c>synchronous=FULL</c>: the store's
/// writer groups the pending transitions into one commit (each acknowledged only after that commit). The baseline is S1's
/// single writer on the same store. Both report time per transition (<c>OperationsPerInvoke</c>); the target is ≥ 10×
/// S1's transitions/s, i.e. a time ratio ≤ 0.10. After the run every acknowledged transition is counted in the file
/// through a fresh connection.
/// </summary>
[MemoryDiagnoser]
public class S3SqliteGroupCommitBenchmark
{
    /// <summary>Concurrent writers.</summary>
    public const int Writers = 32;

    /// <summary>Sequential transitions per writer per invocation.</summary>
    public const int PerWriter = 16;

    /// <summary>Transitions per invocation of the single-writer baseline.</summary>
    public const int SingleWriterOps = 16;

    private readonly long[] _acknowledged = new long[Writers + 1];
    private string _dir = null!;
    private string _path = null!;
    private SqliteLoopStore _store = null!;
    private LoopRuntime _runtime = null!;
    private TransitionRequest[] _requests = null!;

    [GlobalSetup]
    public void Setup()
    {
        _dir = StoreBench.NewTempDirectory("s3");
        _path = Path.Combine(_dir, "engine.db");
        _store = StoreBench.SqliteStore(_path, SqliteSynchronousMode.Full);
        _runtime = BenchLoops.CreateRuntime(_store);
        var evidence = BenchLoops.Evidence("small");
        _requests = new TransitionRequest[Writers + 1];
        for (var i = 0; i <= Writers; i++)
        {
            _requests[i] = StoreBench.StartAsync(_runtime, AggregateId(i), evidence).GetAwaiter().GetResult();
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _store.DisposeAsync().AsTask().GetAwaiter().GetResult();
        SqliteConnection.ClearAllPools();

        // Durability: every acknowledged transition is in the file, read back through a new connection after the store closed.
        long acknowledged = 0, found = 0, missing = 0;
        using (var connection = new SqliteConnection("Data Source=" + _path))
        {
            connection.Open();
            using var count = connection.CreateCommand();
            count.CommandText = "SELECT count(*) FROM trace_records WHERE aggregate = @aggregate AND transition_id = 'tick';";
            var parameter = count.Parameters.Add(new SqliteParameter("@aggregate", string.Empty));
            for (var i = 0; i <= Writers; i++)
            {
                parameter.Value = AggregateId(i);
                var stored = (long)count.ExecuteScalar()!;
                acknowledged += _acknowledged[i];
                found += stored;
                missing += Math.Max(0, _acknowledged[i] - stored);
            }
        }

        var line = string.Create(CultureInfo.InvariantCulture, $"S3 durability: {acknowledged:N0} acknowledged transitions, {found:N0} in the file after close, {missing} missing");
        StoreBench.Notes.Enqueue(line);
        if (missing > 0 || found != acknowledged)
        {
            StoreBench.Failures.Enqueue(line);
        }

        StoreBench.DeleteDirectory(_dir);
    }

    /// <summary>S1-style: one writer, one transition per commit, on the same store.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = SingleWriterOps)]
    public async Task SingleWriter()
    {
        for (var i = 0; i < SingleWriterOps; i++)
        {
            StoreBench.Executed(await _runtime.TransitionAsync(_requests[Writers]), "S3 single writer");
            _acknowledged[Writers]++;
        }
    }

    [Benchmark(OperationsPerInvoke = Writers * PerWriter)]
    public Task ConcurrentWriters32()
    {
        var tasks = new Task[Writers];
        for (var w = 0; w < Writers; w++)
        {
            tasks[w] = WriteAsync(w);
        }

        return Task.WhenAll(tasks);
    }

    private static string AggregateId(int writer) => "PO-W" + writer.ToString(CultureInfo.InvariantCulture);

    private async Task WriteAsync(int writer)
    {
        await Task.Yield();
        for (var i = 0; i < PerWriter; i++)
        {
            StoreBench.Executed(await _runtime.TransitionAsync(_requests[writer]), "S3 writer");
            _acknowledged[writer]++;
        }
    }
}
