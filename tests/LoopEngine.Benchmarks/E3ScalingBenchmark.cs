using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using LoopEngine;

namespace LoopEngine.Benchmarks;

/// <summary>
/// E3: <see cref="Threads"/> threads (the machine's core count), each starting and driving its own aggregates on one shared
/// engine and <see cref="InMemoryLoopStore"/>, against one thread doing the same total work on its own. Both sides run
/// <see cref="Threads"/> × <see cref="PerThread"/> executed transitions per invocation on a fresh engine and store, so the
/// time ratio is the inverse of the speed-up: the target (throughput ≥ 0.7 × N) is a time ratio ≤ 1 / (0.7 × N).
/// </summary>
/// <remarks>
/// <c>--e3</c> runs the same work as a console scenario with a thread ladder, a per-thread-store variant, GC pause figures and
/// a calibration of how far the machine itself scales at that moment.
/// </remarks>
[MemoryDiagnoser]
[LongerRun(warmups: 8, iterations: 12)]
public class E3ScalingBenchmark
{
    /// <summary>Executed transitions per thread per invocation.</summary>
    public const int PerThread = 40_000;

    /// <summary>Transitions per aggregate before a thread starts its next aggregate.</summary>
    public const int PerAggregate = 1_000;

    private LoopRuntime _runtime = null!;
    private Evidence _evidence = null!;
    private int _invocation;

    /// <summary>Gets the number of threads of the scaled side: the processor count.</summary>
    public static int Threads => Math.Max(1, Environment.ProcessorCount);

    [GlobalSetup]
    public void Setup() => _evidence = BenchLoops.Evidence("small");

    /// <summary>
    /// A fresh engine and store for every iteration (both sides then hold the same data as they run). No forced collection:
    /// with one here, whole runs of the scaled side came out ~35% slower in some processes (0.90-0.95x against 0.64-0.69x).
    /// </summary>
    [IterationSetup]
    public void FreshStore()
    {
        _runtime = BenchLoops.CreateRuntime(new InMemoryLoopStore());
        _invocation++;
    }

    [Benchmark(Baseline = true)]
    public void OneThread() => Run(threads: 1, perThread: Threads * PerThread);

    [Benchmark]
    public void AllCores() => Run(threads: Threads, perThread: PerThread);

    private void Run(int threads, int perThread)
    {
        var workers = new Thread[threads];
        Exception? failure = null;
        using var go = new ManualResetEventSlim();
        for (var t = 0; t < threads; t++)
        {
            var worker = t;
            workers[t] = new Thread(() =>
            {
                try
                {
                    go.Wait();
                    Drive(_runtime, _evidence, string.Create(CultureInfo.InvariantCulture, $"E3-{_invocation}-{worker}"), perThread);
                }
#pragma warning disable CA1031 // Rethrown on the benchmark's thread below.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    Interlocked.CompareExchange(ref failure, ex, null);
                }
            });
            workers[t].Start();
        }

        go.Set();
        foreach (var w in workers)
        {
            w.Join();
        }

        if (failure is not null)
        {
            throw new InvalidOperationException("E3: a worker failed.", failure);
        }
    }

    /// <summary>
    /// Runs <paramref name="transitions"/> executed transitions on one thread: a new aggregate (named from
    /// <paramref name="aggregatePrefix"/>) every <see cref="PerAggregate"/>; throws on any other outcome. Shared with
    /// <c>--e3</c>.
    /// </summary>
    internal static void Drive(LoopRuntime runtime, Evidence evidence, string aggregatePrefix, int transitions)
    {
        TransitionRequest? request = null;
        for (var i = 0; i < transitions; i++)
        {
            if (i % PerAggregate == 0)
            {
                var aggregate = string.Create(CultureInfo.InvariantCulture, $"{aggregatePrefix}-{i / PerAggregate}");
                runtime.StartAsync(new StartLoopRequest { LoopId = "bench.counter", AggregateId = aggregate, Actor = BenchLoops.Automation }).AsTask().GetAwaiter().GetResult();
                request = new TransitionRequest { AggregateId = aggregate, TransitionId = "tick", Actor = BenchLoops.Human, Evidence = evidence };
            }

            var pending = runtime.TransitionAsync(request!);
            var result = pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
            if (result.Outcome != TransitionOutcome.Executed)
            {
                throw new InvalidOperationException($"E3: expected an executed transition, got {result.Outcome}: {result.Message}");
            }
        }
    }
}

/// <summary>
/// More warm-ups and iterations for one class than the short job gives the rest (outside the smoke run, which runs every
/// benchmark once): E3's iterations end on whatever GC or tier-1 compilation lands in them.
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
internal sealed class LongerRunAttribute(int warmups, int iterations) : Attribute, IConfigSource
{
    /// <inheritdoc/>
    public IConfig Config { get; } = StoreBench.Smoke
        ? ManualConfig.CreateEmpty()
        : ManualConfig.CreateEmpty().AddJob(Job.Default.WithWarmupCount(warmups).WithIterationCount(iterations).AsMutator());
}
