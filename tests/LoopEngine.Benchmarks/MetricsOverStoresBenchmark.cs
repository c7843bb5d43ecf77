using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using LoopEngine;
using LoopEngine.Metrics;
using LoopEngine.Sqlite;

namespace LoopEngine.Benchmarks;

/// <summary>
/// Issue #8: metrics over a store holding 100,000 closed loops, through <see cref="LoopMetricsService"/> (the incremental
/// projection fed from the store's event stream), on the in-memory and the SQLite store. Steady state: the service has
/// caught up, each call reads the (empty) tail of the event stream and computes. Target: well under a second.
/// </summary>
[MemoryDiagnoser]
public class MetricsSteadyStateBenchmark : MetricsOverStoreBase
{
    private LoopMetricsService _service = null!;

    [GlobalSetup]
    public void Setup()
    {
        Seed();
        _service = new LoopMetricsService(SeededStore);
        var metrics = _service.ComputeAsync("default", "bench.counter", Window.From, Window.To).AsTask().GetAwaiter().GetResult();
        MetricsSeed.CheckCount(metrics, Loops, $"metrics steady {Store}");
    }

    [GlobalCleanup]
    public void Cleanup() => _service.Dispose();

    [Benchmark]
    public ValueTask<LoopMetrics> ComputeAfterCatchUp() => _service.ComputeAsync("default", "bench.counter", Window.From, Window.To);
}

/// <summary>What both metrics-over-a-store benchmarks vary (the store, the number of closed loops) and share (the seeded store).</summary>
public abstract class MetricsOverStoreBase
{
    [Params("InMemory", "Sqlite")]
    public string Store { get; set; } = "InMemory";

    [ParamsSource(nameof(LoopCounts))]
    public int Loops { get; set; }

    public static IEnumerable<int> LoopCounts => MetricsSeed.LoopCounts;

    protected ILoopStore SeededStore { get; private set; } = null!;

    protected (DateTimeOffset From, DateTimeOffset To) Window { get; private set; }

    protected void Seed() => (SeededStore, Window) = MetricsSeed.Get(Store, Loops);
}

/// <summary>
/// Issue #8: the one-off cold catch-up: a new <see cref="LoopMetricsService"/> reads the whole event stream and, per ended
/// loop, its instance, trace and decided recommendations, then computes. One invocation per iteration.
/// </summary>
[MemoryDiagnoser]
[InvocationCount(1, 1)]
[WarmupCount(1)]
[IterationCount(3)]
public class MetricsColdCatchUpBenchmark : MetricsOverStoreBase
{
    [GlobalSetup]
    public void Setup() => Seed();

    [Benchmark]
    public async Task<LoopMetrics> ColdCatchUpAndCompute()
    {
        using var service = new LoopMetricsService(SeededStore);
        var metrics = await service.ComputeAsync("default", "bench.counter", Window.From, Window.To);
        MetricsSeed.CheckCount(metrics, Loops, $"metrics cold {Store}");
        return metrics;
    }
}

/// <summary>Seeds, once per process, a store with N closed <c>bench.counter</c> loops (start, one tick, finish) through the engine.</summary>
internal static class MetricsSeed
{
    private static readonly Dictionary<(string, int), (ILoopStore, (DateTimeOffset, DateTimeOffset))> Seeded = [];
    private static readonly List<string> Directories = [];

    static MetricsSeed() => AppDomain.CurrentDomain.ProcessExit += (_, _) =>
    {
        foreach (var (store, _) in Seeded.Values)
        {
            if (store is IAsyncDisposable disposable)
            {
                disposable.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
        }

        foreach (var dir in Directories)
        {
            StoreBench.DeleteDirectory(dir);
        }
    };

    public static IEnumerable<int> LoopCounts => StoreBench.Smoke ? [1_000] : [100_000];

    public static (ILoopStore Store, (DateTimeOffset From, DateTimeOffset To) Window) Get(string kind, int loops)
    {
        lock (Seeded)
        {
            if (!Seeded.TryGetValue((kind, loops), out var seeded))
            {
                seeded = Seed(kind, loops);
                Seeded[(kind, loops)] = seeded;
            }

            return seeded;
        }
    }

    public static void CheckCount(LoopMetrics metrics, int loops, string scenario)
    {
        if (metrics.EndedCount != loops)
        {
            throw new InvalidOperationException($"{scenario}: expected {loops} ended loops in the window, the metrics counted {metrics.EndedCount}.");
        }
    }

    private static (ILoopStore, (DateTimeOffset, DateTimeOffset)) Seed(string kind, int loops)
    {
        ILoopStore store;
        if (kind == "Sqlite")
        {
            var dir = StoreBench.NewTempDirectory("metrics");
            Directories.Add(dir);
            store = StoreBench.SqliteStore(Path.Combine(dir, "metrics.db"), SqliteSynchronousMode.Normal);
        }
        else
        {
            store = new InMemoryLoopStore();
        }

        var runtime = BenchLoops.CreateRuntime(store);
        var evidence = BenchLoops.Evidence("small");
        var from = DateTimeOffset.UtcNow.AddDays(-1);
        var sw = Stopwatch.StartNew();
        const int Writers = 32;
        var next = -1;
        Task.WhenAll(Enumerable.Range(0, Writers).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < loops)
            {
                var aggregate = "PO-M" + i.ToString("D7", CultureInfo.InvariantCulture);
                var tick = await StoreBench.StartAsync(runtime, aggregate, evidence);
                StoreBench.Executed(await runtime.TransitionAsync(tick), "metrics seed");
                StoreBench.Executed(await runtime.TransitionAsync(tick with { TransitionId = "finish", Actor = BenchLoops.Automation, Evidence = null }), "metrics seed");
            }
        }))).GetAwaiter().GetResult();
        StoreBench.Notes.Enqueue(string.Create(CultureInfo.InvariantCulture,
            $"metrics seed: {loops:N0} closed loops (start, tick, finish) in the {kind} store through the engine, {Writers} writers{(kind == "Sqlite" ? ", synchronous=NORMAL" : string.Empty)}: {sw.Elapsed.TotalSeconds:N1} s"));
        return (store, (from, DateTimeOffset.UtcNow.AddDays(1)));
    }
}
