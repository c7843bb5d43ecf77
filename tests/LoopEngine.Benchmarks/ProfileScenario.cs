using System.Diagnostics;
using System.Globalization;
using LoopEngine;

namespace LoopEngine.Benchmarks;

/// <summary><c>--profile</c>: times and allocations of the pieces of one executed transition, measured one by one (rough; for finding what dominates).</summary>
internal static class ProfileScenario
{
    public static async Task RunAsync(int n)
    {
        var store = new InMemoryLoopStore();
        var runtime = BenchLoops.CreateRuntime(store);
        var evidence = BenchLoops.Evidence("small");
        await runtime.StartAsync(new StartLoopRequest { LoopId = "bench.counter", AggregateId = "PO-P", Actor = BenchLoops.Automation });
        var request = new TransitionRequest { AggregateId = "PO-P", TransitionId = "tick", Actor = BenchLoops.Human, Evidence = evidence };
        var record = (await runtime.TransitionAsync(request)).Record!;
        var compiled = runtime.Compile(runtime.Registry.Get("bench.counter"));
        var ids = new DefaultLoopIdGenerator(TimeProvider.System, CryptoLoopRandom.Instance);
        var events = new EventWriter(ids);
        var rejected = new TransitionRequest { AggregateId = "PO-P", TransitionId = "tick", Actor = BenchLoops.Webhook, Evidence = evidence };

        Console.WriteLine($"profile: {n:N0} iterations each, small evidence (per-op time, per-op managed allocation)");
        Measure("full TransitionAsync (executed; the store keeps growing)", n / 4, () => runtime.TransitionAsync(request).AsTask().GetAwaiter().GetResult());
        Measure("full TransitionAsync (rejected: unauthorized_actor)", n / 4, () => runtime.TransitionAsync(rejected).AsTask().GetAwaiter().GetResult());
        Measure("TraceCanonicalizer.ComputeHash (canonical JSON + SHA-256 + hex)", n, () => TraceCanonicalizer.ComputeHash(record));
        Measure("record with { Hash } (Seal's copy)", n, () => record with { Hash = "x" });
        Measure("CompiledLoop.Fire (pooled Stateless CanFire + Fire)", n, () => compiled.Fire("COUNTING", "tick"));
        Measure("DefaultLoopIdGenerator.NewId (crypto random)", n, () => ids.NewId("evt"));
        Measure("EventWriter.Create (one event, actor + evidence body)", n, () => events.Create(LoopEventTypes.Executed, "default", "bench.counter", "PO-P", "corr_x", null, DateTimeOffset.UtcNow, w =>
        {
            w.WriteString("fromState", "COUNTING");
            w.WriteString("toState", "COUNTING");
            w.WriteString("transitionId", "tick");
            EventWriter.WriteActor(w, "actor", BenchLoops.Human);
            EventWriter.WriteEvidence(w, "evidence", evidence);
        }));
        Measure("TraceCanonicalizer.FormatTime", n, () => TraceCanonicalizer.FormatTime(DateTimeOffset.UtcNow));
        Measure("store.GetInstanceAsync", n, () => store.GetInstanceAsync("default", "PO-P").AsTask().GetAwaiter().GetResult());
    }

    private static void Measure(string name, int n, Func<object?> op)
    {
        for (var i = 0; i < Math.Min(n, 2000); i++)
        {
            op();
        }

        var bytes = GC.GetAllocatedBytesForCurrentThread();
        var cpu = Process.GetCurrentProcess().UserProcessorTime;
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < n; i++)
        {
            op();
        }

        sw.Stop();
        var cpuNs = (Process.GetCurrentProcess().UserProcessorTime - cpu).TotalMilliseconds * 1e6 / n;
        var alloc = (GC.GetAllocatedBytesForCurrentThread() - bytes) / (double)n;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {name,-66} {sw.Elapsed.TotalMilliseconds * 1e6 / n,10:N0} ns wall {cpuNs,10:N0} ns user-cpu {alloc,8:N0} B"));
    }
}
