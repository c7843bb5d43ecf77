using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using LoopEngine;
using LoopEngine.PostgreSql;
using Npgsql;

namespace LoopEngine.Benchmarks;

/// <summary>
/// The PostgreSQL scenarios' shared setup: a schema of their own (created by the store, dropped afterwards), the engine on
/// <see cref="PostgreSqlLoopStore"/>, and a raw table in the same schema for the baseline. Program skips these classes
/// when <c>LOOPENGINE_POSTGRES</c> is not set.
/// </summary>
[MemoryDiagnoser]
public abstract class PostgreSqlBenchmarkBase
{
    private long _rawId;

    protected string Schema { get; private set; } = null!;

    protected PostgreSqlLoopStore Store { get; private set; } = null!;

    protected LoopRuntime Runtime { get; private set; } = null!;

    protected NpgsqlDataSource Raw { get; private set; } = null!;

    protected string Payload { get; private set; } = string.Empty;

    private string InsertSql => $"INSERT INTO \"{Schema}\".raw_rows (id, payload) VALUES (@id, @payload);";

    protected abstract string Scenario { get; }

    protected void SetupStore(LoopEngineOptions? options = null)
    {
        Schema = StoreBench.NewSchema(Scenario);
        Store = StoreBench.PostgresStore(Schema);
        var registry = new LoopRegistry();
        registry.Add(BenchLoops.Counter());
        Runtime = new LoopRuntime(Store, registry, options, guards: new Dictionary<string, ILoopGuard>(StringComparer.Ordinal) { [BenchLoops.GuardId] = BuiltInGuards.From(static _ => GuardResult.Pass) });
        Store.InitializeAsync().GetAwaiter().GetResult();
        Raw = NpgsqlDataSource.Create(StoreBench.Postgres!);
        StoreBench.ExecuteAsync(Raw, $"CREATE TABLE \"{Schema}\".raw_rows (id bigint PRIMARY KEY, payload text NOT NULL);").GetAwaiter().GetResult();
    }

    protected void SetPayloadFrom(TransitionRecord record) => Payload = StoreBench.Payload(StoreBench.RecordWidth(record));

    protected void CleanupStore()
    {
        Store.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Raw.Dispose();
        StoreBench.DropSchemaAsync(Schema).GetAwaiter().GetResult();
    }

    /// <summary>One raw parameterized insert in its own transaction, on a pooled connection (as the store takes one per commit).</summary>
    protected async Task RawInsertCommitAsync()
    {
        var connection = await Raw.OpenConnectionAsync();
        await using (connection)
        {
            var transaction = await connection.BeginTransactionAsync();
            await using (transaction)
            {
                await using var command = new NpgsqlCommand(InsertSql, connection, transaction);
                command.Parameters.AddWithValue("id", Interlocked.Increment(ref _rawId));
                command.Parameters.AddWithValue("payload", Payload);
                await command.ExecuteNonQueryAsync();
                await transaction.CommitAsync();
            }
        }
    }
}

/// <summary>P1: PostgreSQL, one client, one transition per commit (version check in the commit's round trip) versus a raw insert + commit; target ≥ 0.7×.</summary>
public class P1PostgreSqlSingleClientBenchmark : PostgreSqlBenchmarkBase
{
    private TransitionRequest _request = null!;

    protected override string Scenario => "p1";

    [GlobalSetup]
    public void Setup()
    {
        SetupStore();
        _request = StoreBench.StartAsync(Runtime, "PO-P1", BenchLoops.Evidence("small")).GetAwaiter().GetResult();
        SetPayloadFrom(StoreBench.Executed(Runtime.TransitionAsync(_request).AsTask().GetAwaiter().GetResult(), "P1").Record!);
    }

    [GlobalCleanup]
    public void Cleanup() => CleanupStore();

    [Benchmark(Baseline = true)]
    public Task RawInsertCommit() => RawInsertCommitAsync();

    [Benchmark]
    public async Task<TransitionResult> EngineTransition() => StoreBench.Executed(await Runtime.TransitionAsync(_request), "P1");
}

/// <summary>P2: PostgreSQL, 32 clients on distinct aggregates versus raw inserts from 32 clients; time per operation; target ≥ 0.7×.</summary>
public class P2PostgreSqlConcurrentClientsBenchmark : PostgreSqlBenchmarkBase
{
    /// <summary>Concurrent clients.</summary>
    public const int Clients = 32;

    /// <summary>Sequential operations per client per invocation.</summary>
    public const int PerClient = 8;

    private TransitionRequest[] _requests = null!;

    protected override string Scenario => "p2";

    [GlobalSetup]
    public void Setup()
    {
        SetupStore();
        var evidence = BenchLoops.Evidence("small");
        _requests = new TransitionRequest[Clients];
        for (var i = 0; i < Clients; i++)
        {
            _requests[i] = StoreBench.StartAsync(Runtime, "PO-C" + i.ToString(CultureInfo.InvariantCulture), evidence).GetAwaiter().GetResult();
        }

        SetPayloadFrom(StoreBench.Executed(Runtime.TransitionAsync(_requests[0]).AsTask().GetAwaiter().GetResult(), "P2").Record!);
    }

    [GlobalCleanup]
    public void Cleanup() => CleanupStore();

    [Benchmark(Baseline = true, OperationsPerInvoke = Clients * PerClient)]
    public Task RawInsertCommit32Clients() => Concurrently(async _ =>
    {
        for (var i = 0; i < PerClient; i++)
        {
            await RawInsertCommitAsync();
        }
    });

    [Benchmark(OperationsPerInvoke = Clients * PerClient)]
    public Task EngineTransition32Clients() => Concurrently(async client =>
    {
        for (var i = 0; i < PerClient; i++)
        {
            StoreBench.Executed(await Runtime.TransitionAsync(_requests[client]), "P2");
        }
    });

    private static Task Concurrently(Func<int, Task> client)
    {
        var tasks = new Task[Clients];
        for (var c = 0; c < Clients; c++)
        {
            var index = c;
            tasks[c] = Task.Run(() => client(index));
        }

        return Task.WhenAll(tasks);
    }
}

/// <summary>
/// P3: PostgreSQL, 32 clients on ONE aggregate, each request retried by the engine on a version conflict (up to
/// <see cref="LoopEngineOptions.MaxConflictRetries"/>). No baseline: the time is per request; the counts (executed, typed
/// conflicts returned, store conflicts retried) and the anomaly check (trace length = executed + start, chain verifies,
/// instance version = last sequence) are printed under the table.
/// </summary>
[MemoryDiagnoser]
public class P3PostgreSqlOneAggregateBenchmark : PostgreSqlBenchmarkBase
{
    /// <summary>Concurrent clients.</summary>
    public const int Clients = 32;

    /// <summary>Requests per client per invocation.</summary>
    public const int PerClient = 4;

    private const string Aggregate = "PO-HOT";
    private readonly Stopwatch _elapsed = new();
    private MeterListener _listener = null!;
    private TransitionRequest _request = null!;
    private long _executed;
    private long _typedConflicts;
    private long _storeConflicts;
    private long _requests;

    protected override string Scenario => "p3";

    [GlobalSetup]
    public void Setup()
    {
        SetupStore();
        _request = StoreBench.StartAsync(Runtime, Aggregate, BenchLoops.Evidence("small")).GetAwaiter().GetResult();
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Name == "loopengine.conflicts")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _storeConflicts, value));
        _listener.Start();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _listener.Dispose();
        var instance = Runtime.GetInstanceAsync(Aggregate).AsTask().GetAwaiter().GetResult()!;
        var trace = Store.ReadTraceAsync("default", Aggregate).AsTask().GetAwaiter().GetResult();
        var verification = Runtime.VerifyTraceAsync(Aggregate).AsTask().GetAwaiter().GetResult();
        var anomalies = 0;
        anomalies += trace.Count == _executed + 1 ? 0 : 1;
        anomalies += verification.IsValid ? 0 : 1;
        anomalies += instance.Version == trace[^1].Sequence ? 0 : 1;
        var seconds = _elapsed.Elapsed.TotalSeconds;
        var line = string.Create(CultureInfo.InvariantCulture,
            $"P3 one aggregate, {Clients} clients: {_requests:N0} requests, {_executed:N0} executed ({_executed / seconds:N0} successes/s), {_typedConflicts:N0} typed conflicts returned, {_storeConflicts:N0} store conflicts retried; trace {trace.Count:N0} records (chain {(verification.IsValid ? "verifies" : "BROKEN: " + verification.Message)}), instance version {instance.Version}; {anomalies} anomalies");
        StoreBench.Notes.Enqueue(line);
        if (anomalies > 0)
        {
            StoreBench.Failures.Enqueue(line);
        }

        CleanupStore();
    }

    [Benchmark(OperationsPerInvoke = Clients * PerClient)]
    public async Task EngineTransition32ClientsOneAggregate()
    {
        _elapsed.Start();
        var tasks = new Task[Clients];
        for (var c = 0; c < Clients; c++)
        {
            tasks[c] = Task.Run(async () =>
            {
                for (var i = 0; i < PerClient; i++)
                {
                    var result = await Runtime.TransitionAsync(_request);
                    Interlocked.Increment(ref _requests);
                    _ = result.Outcome switch
                    {
                        TransitionOutcome.Executed => Interlocked.Increment(ref _executed),
                        TransitionOutcome.VersionConflict => Interlocked.Increment(ref _typedConflicts),
                        _ => throw new InvalidOperationException($"P3: unexpected {result.Outcome}: {result.Message}"),
                    };
                }
            });
        }

        await Task.WhenAll(tasks);
        _elapsed.Stop();
    }
}
