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
            var store = new InMemoryLoopStore();
            var runtime = BenchLoops.CreateRuntime(store);
            await runtime.StartAsync(new StartLoopRequest { LoopId = "bench.counter", AggregateId = "warmup", Actor = BenchLoops.Automation });

            var beforeIds = GC.GetTotalMemory(forceFullCollection: true);
            var ids = new string[count];
            for (var i = 0; i < count; i++)
            {
                ids[i] = "PO-" + i.ToString("D7", CultureInfo.InvariantCulture);
            }

            var before = GC.GetTotalMemory(forceFullCollection: true);
            for (var i = 0; i < count; i++)
            {
                await runtime.StartAsync(new StartLoopRequest { LoopId = "bench.counter", AggregateId = ids[i], Actor = BenchLoops.Automation });
            }

            var after = GC.GetTotalMemory(forceFullCollection: true);
            var idBytes = before - beforeIds;
            var perInstanceExcludingIds = (after - before) / (double)count;
            var perInstance = (after - before + idBytes) / (double)count;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {count,9:N0} instances: {perInstance,8:N1} B/instance including the aggregate id strings ({idBytes / (double)count:N1} B of ids), {perInstanceExcludingIds,8:N1} B excluding them; store holds {store.InstanceCount:N0}"));
            results.Add((count, perInstance, perInstanceExcludingIds));
            var sample = (await store.ReadEventsAsync(1, 1))[0];
            var trace = (await store.ReadTraceAsync("default", ids[0]))[0];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"    held per instance: 1 started event (Json {sample.Json.Length} chars = {(sample.Json.Length * 2) + 22} B as a UTF-16 string; event id {sample.EventId.Length} chars), 1 trace record (hash {trace.Hash.Length} chars, correlation id {trace.CorrelationId.Length} chars)"));
            GC.KeepAlive(runtime);
            GC.KeepAlive(ids);
        }

        return results;
    }

    /// <summary>E3: N threads, each on its own aggregates, one shared engine and in-memory store; throughput versus one thread.</summary>
    public static async Task<IReadOnlyList<(int Threads, double OpsPerSecond)>> RunE3Async(int maxThreads, int opsPerThread)
    {
        const int OpsPerAggregate = 1000;
        Console.WriteLine($"E3: {opsPerThread:N0} executed transitions per thread (small evidence), {OpsPerAggregate} per aggregate, one shared engine + InMemoryLoopStore");
        var evidence = BenchLoops.Evidence("small");
        var results = new List<(int, double)>();
        foreach (var threads in Enumerable.Range(1, maxThreads).Prepend(1))
        {
            var store = new InMemoryLoopStore();
            var runtime = BenchLoops.CreateRuntime(store);
            GC.Collect();
            using var go = new ManualResetEventSlim();
            var workers = new Thread[threads];
            for (var t = 0; t < threads; t++)
            {
                var worker = t;
                workers[t] = new Thread(() =>
                {
                    go.Wait();
                    var request = (TransitionRequest?)null;
                    for (var i = 0; i < opsPerThread; i++)
                    {
                        if (i % OpsPerAggregate == 0)
                        {
                            var aggregate = string.Create(CultureInfo.InvariantCulture, $"T{worker}-{i / OpsPerAggregate}");
                            runtime.StartAsync(new StartLoopRequest { LoopId = "bench.counter", AggregateId = aggregate, Actor = BenchLoops.Automation }).AsTask().GetAwaiter().GetResult();
                            request = new TransitionRequest { AggregateId = aggregate, TransitionId = "tick", Actor = BenchLoops.Human, Evidence = evidence };
                        }

                        var vt = runtime.TransitionAsync(request!);
                        var result = vt.IsCompletedSuccessfully ? vt.Result : vt.AsTask().GetAwaiter().GetResult();
                        if (result.Outcome != TransitionOutcome.Executed)
                        {
                            throw new InvalidOperationException($"E3: {result.Outcome}");
                        }
                    }
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
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {threads} thread(s): {rate,12:N0} transitions/s ({sw.Elapsed.TotalMilliseconds:N0} ms)"));
            results.Add((threads, rate));
            await Task.Yield();
        }

        // The first 1-thread run is a warm-up; keep the last 1-thread figure.
        results.RemoveAt(0);
        return results;
    }
}
