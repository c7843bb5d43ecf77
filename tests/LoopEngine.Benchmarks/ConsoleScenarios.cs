using System.Diagnostics;
using System.Globalization;
using LoopEngine;

namespace LoopEngine.Benchmarks;

/// <summary>Scenarios measured outside BenchmarkDotNet: M1 (memory per open instance) and E3 (multi-threaded throughput).</summary>
internal static class ConsoleScenarios
{
    /// <summary>M1: bytes per open instance (started, no evidence) held in the in-memory store.</summary>
    public static async Task<IReadOnlyList<(int Count, double BytesPerInstance, double BytesPerInstanceExcludingIds)>> RunM1Async(IReadOnlyList<int> counts)
    {
        var results = new List<(int, double, double)>();
        Console.WriteLine("M1: memory per open instance in InMemoryLoopStore (start record + started event included; no evidence)");
        foreach (var count in counts)
        {
            // One method call per count: nothing of the previous count (its store, ids, the records read back) is alive
            // while this one measures (an async method's locals live in its state machine until overwritten).
            results.Add(await MeasureM1Async(count));
        }

        return results;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static async Task<(int Count, double BytesPerInstance, double BytesPerInstanceExcludingIds)> MeasureM1Async(int count)
    {
        var store = new InMemoryLoopStore();
        var runtime = BenchLoops.CreateRuntime(store);
        await runtime.StartAsync(new StartLoopRequest { LoopId = "bench.counter", AggregateId = "warmup", Actor = BenchLoops.Automation });

        var beforeIds = StoreBench.HeldBytes();
        var ids = new string[count];
        for (var i = 0; i < count; i++)
        {
            ids[i] = "PO-" + i.ToString("D7", CultureInfo.InvariantCulture);
        }

        var before = StoreBench.HeldBytes();
        for (var i = 0; i < count; i++)
        {
            await runtime.StartAsync(new StartLoopRequest { LoopId = "bench.counter", AggregateId = ids[i], Actor = BenchLoops.Automation });
        }

        var after = StoreBench.HeldBytes();
        var idBytes = before - beforeIds;
        var perInstanceExcludingIds = (after - before) / (double)count;
        var perInstance = (after - before + idBytes) / (double)count;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {count,9:N0} instances: {perInstance,8:N1} B/instance including the aggregate id strings ({idBytes / (double)count:N1} B of ids), {perInstanceExcludingIds,8:N1} B excluding them; store holds {store.InstanceCount:N0}"));
        var sample = (await store.ReadEventsAsync(1, 1))[0];
        var trace = (await store.ReadTraceAsync("default", ids[0]))[0];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"    held per instance: 1 started event (Json {sample.Json.Length} chars = {(sample.Json.Length * 2) + 22} B as a UTF-16 string; event id {sample.EventId.Length} chars), 1 trace record (hash {trace.Hash.Length} chars, correlation id {trace.CorrelationId.Length} chars)"));
        GC.KeepAlive(runtime);
        GC.KeepAlive(ids);
        return (count, perInstance, perInstanceExcludingIds);
    }

    /// <summary>E3: N threads, each on its own aggregates, one shared engine and in-memory store; throughput versus one thread.</summary>
    public static async Task<IReadOnlyList<(int Threads, double OpsPerSecond)>> RunE3Async(int maxThreads, int opsPerThread)
    {
        const int OpsPerAggregate = E3ScalingBenchmark.PerAggregate;
        Console.WriteLine($"E3: {opsPerThread:N0} executed transitions per thread (small evidence), {OpsPerAggregate} per aggregate, one shared engine + InMemoryLoopStore");
        Console.WriteLine($"E3: {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")} GC, {System.Runtime.GCSettings.LatencyMode} latency mode, {Environment.ProcessorCount} processors (set DOTNET_gcServer=1 for server GC, as ASP.NET Core hosts use)");
        var evidence = BenchLoops.Evidence("small");
        var results = new List<(int, double)>();
        // Shared: one engine and one store for all threads (the E3 figure); then, to show where scaling is lost, an engine per
        // thread over one shared store, and an engine and a store per thread.
        var runs = Enumerable.Range(1, maxThreads).Prepend(1).Select(t => (t, E3Sharing.EngineAndStore))
            .Concat(Enumerable.Range(2, Math.Max(0, maxThreads - 1)).SelectMany(t => new[] { (t, E3Sharing.Store), (t, E3Sharing.Nothing) }));
        foreach (var (threads, sharing) in runs)
        {
            var shared = sharing == E3Sharing.EngineAndStore;
            var store = new InMemoryLoopStore();
            var runtime = BenchLoops.CreateRuntime(store);
            var runtimes = Enumerable.Range(0, threads).Select(_ => sharing switch
            {
                E3Sharing.EngineAndStore => runtime,
                E3Sharing.Store => BenchLoops.CreateRuntime(store),
                _ => BenchLoops.CreateRuntime(new InMemoryLoopStore()),
            }).ToArray();
            GC.Collect();
            var pauseBefore = GC.GetTotalPauseDuration();
            var gen2Before = GC.CollectionCount(2);
            using var go = new ManualResetEventSlim();
            var workers = new Thread[threads];
            for (var t = 0; t < threads; t++)
            {
                var worker = t;
                workers[t] = new Thread(() =>
                {
                    var runtime = runtimes[worker];
                    go.Wait();
                    E3ScalingBenchmark.Drive(runtime, evidence, string.Create(CultureInfo.InvariantCulture, $"T{worker}"), opsPerThread);
                });
                workers[t].Start();
            }

            var sw = Stopwatch.StartNew();
            go.Set();
            foreach (var w in workers)
            {
                w.Join();
            }

            sw.Stop();
            var rate = threads * (double)opsPerThread / sw.Elapsed.TotalSeconds;
            var pause = GC.GetTotalPauseDuration() - pauseBefore;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {threads} thread(s){sharing switch { E3Sharing.EngineAndStore => ", one shared engine + store", E3Sharing.Store => ", an engine per thread, one shared store", _ => ", an engine + store per thread" }}: {rate,12:N0} transitions/s ({sw.Elapsed.TotalMilliseconds:N0} ms; GC pauses {pause.TotalMilliseconds:N0} ms = {pause / sw.Elapsed:P0}, {GC.CollectionCount(2) - gen2Before} gen-2 collections)"));
            if (shared)
            {
                results.Add((threads, rate));
            }
            await Task.Yield();
        }

        // How far the machine itself scales right now (it is shared): the same threads hashing, no allocation, no shared state.
        var calibration = new List<double>();
        foreach (var threads in new[] { 1, maxThreads })
        {
            var workers = new Thread[threads];
            var sw = Stopwatch.StartNew();
            for (var t = 0; t < threads; t++)
            {
                workers[t] = new Thread(() =>
                {
                    Span<byte> data = stackalloc byte[600];
                    Span<byte> hash = stackalloc byte[32];
                    for (var i = 0; i < opsPerThread * 2; i++)
                    {
                        System.Security.Cryptography.SHA256.HashData(data, hash);
                        data[i % 600] = hash[0];
                    }
                });
                workers[t].Start();
            }

            foreach (var w in workers)
            {
                w.Join();
            }

            calibration.Add(threads * opsPerThread * 2 / sw.Elapsed.TotalSeconds);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  machine now: {maxThreads} threads hashing 600 B run {calibration[1] / calibration[0]:0.00}x one thread's rate (the ceiling for any scaling measured in this run)"));

        // The first 1-thread run is a warm-up; keep the last 1-thread figure.
        results.RemoveAt(0);
        return results;
    }

    private enum E3Sharing
    {
        EngineAndStore,
        Store,
        Nothing,
    }
}
