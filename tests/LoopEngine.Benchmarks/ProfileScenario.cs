using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using LoopEngine;
using Stateless;

namespace LoopEngine.Benchmarks;

/// <summary>
/// <c>--profile</c>: times and allocations of the pieces of one executed transition, measured one by one (rough; for
/// finding what dominates), then E1 and E2 as interleaved blocks of engine and baseline, each side's fastest block of 128 ops
/// (the machine is shared, so means swing with the load; the fastest blocks are the ones that ran unpreempted).
/// </summary>
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
        var machine = new StateMachine<string, string>("COUNTING");
        machine.Configure("COUNTING").PermitReentry("tick");

        Console.WriteLine($"profile: {n:N0} iterations each, small evidence (per-op time, per-op managed allocation)");
        Measure("full TransitionAsync (executed; the store keeps growing)", n / 4, () => runtime.TransitionAsync(request).AsTask().GetAwaiter().GetResult());
        Measure("full TransitionAsync (rejected: unauthorized_actor)", n / 4, () => runtime.TransitionAsync(rejected).AsTask().GetAwaiter().GetResult());
        Measure("TraceCanonicalizer.ComputeHash (canonical JSON + SHA-256 + hex)", n, () => TraceCanonicalizer.ComputeHash(record));
        Measure("CompiledLoop.Fire (pooled Stateless Fire)", n, () => compiled.Fire("COUNTING", "tick"));
        Measure("plain Stateless Fire (reentry, internal state)", n, () =>
        {
            machine.Fire("tick");
            return null;
        });
        Measure("DefaultLoopIdGenerator.NewId (crypto random)", n, () => ids.NewId("evt"));
        Measure("EventWriter.Create<T> (lazy: one event, actor + evidence body)", n, () => events.Create(LoopEventTypes.Executed, "default", "bench.counter", "PO-P", "corr_x", null, DateTimeOffset.UtcNow, (BenchLoops.Human, evidence), static (w, s) =>
        {
            EventWriter.WriteActor(w, "actor", s.Human);
            EventWriter.WriteEvidence(w, "evidence", s.evidence);
        }));
        Measure("... and its Json rendered", n, () => events.Create(LoopEventTypes.Executed, "default", "bench.counter", "PO-P", "corr_x", null, DateTimeOffset.UtcNow, (BenchLoops.Human, evidence), static (w, s) =>
        {
            EventWriter.WriteActor(w, "actor", s.Human);
            EventWriter.WriteEvidence(w, "evidence", s.evidence);
        }).Json);
        Measure("store.GetInstanceAsync", n, () => store.GetInstanceAsync("default", "PO-P").AsTask().GetAwaiter().GetResult());

        await CompareAsync("E1 small", "small", executed: true);
        await CompareAsync("E1 1KB", "1KB", executed: true);
        await CompareAsync("E2", "small", executed: false);
        await AllocationSampler.RunAsync();
    }

    /// <summary>Alternates blocks of the engine and of the baseline (as in E1/E2) and reports the best block of each, in CPU time per op.</summary>
    private static async Task CompareAsync(string name, string evidenceSize, bool executed)
    {
        const int Block = 1024;
        const int Rounds = 40;
        var evidence = BenchLoops.Evidence(evidenceSize);
        var aggregate = 0;
        var guardOpen = true;
        var transitions = new List<StateMachine<string, string>.Transition>(Block);
        var machine = new StateMachine<string, string>("COUNTING");
        var allowed = new[] { ActorType.Automation, ActorType.Human };
        var actorType = ActorType.Webhook;
        if (executed)
        {
            machine.Configure("COUNTING").PermitReentryIf("tick", () => guardOpen, "amount_within_limit");
            machine.OnTransitioned(t => transitions.Add(t));
        }
        else
        {
            machine.Configure("COUNTING").PermitReentryIf("tick", () => Array.IndexOf(allowed, actorType) >= 0, "actor_allowed");
        }

        var probe = BenchLoops.CreateRuntime(new InMemoryLoopStore());
        await probe.StartAsync(new StartLoopRequest { LoopId = "bench.counter", AggregateId = "probe", Actor = BenchLoops.Automation });
        var probeRecord = (await probe.TransitionAsync(new TransitionRequest { AggregateId = "probe", TransitionId = "tick", Actor = BenchLoops.Human, Evidence = evidence })).Record!;
        var canonical = Encoding.UTF8.GetBytes(TraceCanonicalizer.ToCanonicalJson(probeRecord));

        var bestEngine = double.MaxValue;
        var bestBaseline = double.MaxValue;
        double engineAlloc = 0;
        double baselineAlloc = 0;
        for (var round = 0; round < Rounds; round++)
        {
            var runtime = BenchLoops.CreateRuntime(new InMemoryLoopStore());
            var id = "PO-" + (++aggregate).ToString(CultureInfo.InvariantCulture);
            await runtime.StartAsync(new StartLoopRequest { LoopId = "bench.counter", AggregateId = id, Actor = BenchLoops.Automation });
            var request = new TransitionRequest { AggregateId = id, TransitionId = "tick", Actor = executed ? BenchLoops.Human : BenchLoops.Webhook, Evidence = evidence };

            var (cpu, alloc) = Block_(Block, () =>
            {
                var vt = runtime.TransitionAsync(request);
                _ = vt.IsCompletedSuccessfully ? vt.Result : vt.AsTask().GetAwaiter().GetResult();
            });
            bestEngine = Math.Min(bestEngine, cpu);
            engineAlloc = alloc;

            transitions.Clear();
            (cpu, alloc) = Block_(Block, executed
                ? () =>
                {
                    machine.FireAsync("tick").GetAwaiter().GetResult();
                    Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
                    SHA256.HashData(canonical, hash);
                }
                : () => machine.CanFire("tick"));
            bestBaseline = Math.Min(bestBaseline, cpu);
            baselineAlloc = alloc;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {name,-10} engine {bestEngine,8:N0} ns {engineAlloc,7:N0} B | baseline {bestBaseline,7:N0} ns {baselineAlloc,6:N0} B | time {bestEngine / bestBaseline:0.00}x alloc {engineAlloc / baselineAlloc:0.00}x"));
    }

    /// <summary>Runs <paramref name="n"/> ops in blocks of 128 and returns the fastest block's wall time per op (a block that ran unpreempted) and the mean allocation.</summary>
    private static (double Ns, double Bytes) Block_(int n, Action op)
    {
        const int Chunk = 128;
        var bytes = GC.GetAllocatedBytesForCurrentThread();
        var best = double.MaxValue;
        for (var done = 0; done < n; done += Chunk)
        {
            var start = Stopwatch.GetTimestamp();
            for (var i = 0; i < Chunk; i++)
            {
                op();
            }

            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalNanoseconds / Chunk);
        }

        return (best, (GC.GetAllocatedBytesForCurrentThread() - bytes) / (double)n);
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
