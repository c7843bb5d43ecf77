using BenchmarkDotNet.Attributes;
using LoopEngine;
using Stateless;

namespace LoopEngine.Benchmarks;

/// <summary>
/// E2: a rejected request (the actor's type is not allowed: blocked, <c>unauthorized_actor</c>, with its blocked events)
/// versus Stateless <c>CanFire</c> on a trigger whose guard refuses the actor's type. The engine must write no trace record.
/// </summary>
[MemoryDiagnoser]
public class E2RejectedRequestBenchmark
{
    /// <summary>Rejections before the store (which keeps the blocked events) is replaced.</summary>
    public const int OpsPerStore = 4096;

    private static readonly ActorType[] AllowedTypes = [ActorType.Automation, ActorType.Human];

    private LoopRuntime _runtime = null!;
    private TransitionRequest _request = null!;
    private int _ops;
    private StateMachine<string, string> _machine = null!;
    private ActorType _actorType = ActorType.Webhook;

    [GlobalSetup]
    public void Setup()
    {
        NewStore();
        for (var i = 0; i < 100; i++)
        {
            var result = _runtime.TransitionAsync(_request).AsTask().GetAwaiter().GetResult();
            if (result.Outcome != TransitionOutcome.Blocked || result.BlockReason != BlockReason.UnauthorizedActor)
            {
                throw new InvalidOperationException($"E2 setup: expected blocked unauthorized_actor, got {result.Outcome} {result.BlockReason}: {result.Message}");
            }
        }

        var trace = _runtime.Store.ReadTraceAsync("default", _request.AggregateId).AsTask().GetAwaiter().GetResult();
        TraceWritesAfter100Rejections = trace.Count - 1;
        if (TraceWritesAfter100Rejections != 0)
        {
            throw new InvalidOperationException($"E2: {TraceWritesAfter100Rejections} trace records written by rejected requests (must be 0).");
        }

        _machine = new StateMachine<string, string>("COUNTING");
        _machine.Configure("COUNTING").PermitReentryIf("tick", () => Array.IndexOf(AllowedTypes, _actorType) >= 0, "actor_allowed");
        if (_machine.CanFire("tick"))
        {
            throw new InvalidOperationException("E2 setup: the baseline's guard should refuse the actor.");
        }
    }

    /// <summary>Trace records written by 100 rejected requests (checked in setup; must be 0).</summary>
    public static int TraceWritesAfter100Rejections { get; private set; } = -1;

    [Benchmark(Baseline = true)]
    public bool StatelessCanFire() => _machine.CanFire("tick");

    [Benchmark]
    public ValueTask<TransitionResult> EngineRejected()
    {
        if (++_ops >= OpsPerStore)
        {
            NewStore();
        }

        return _runtime.TransitionAsync(_request);
    }

    private void NewStore()
    {
        _ops = 0;
        _runtime = BenchLoops.CreateRuntime(new InMemoryLoopStore());
        _runtime.StartAsync(new StartLoopRequest { LoopId = "bench.counter", AggregateId = "PO-E2", Actor = BenchLoops.Automation })
            .AsTask().GetAwaiter().GetResult();
        _request = new TransitionRequest { AggregateId = "PO-E2", TransitionId = "tick", Actor = BenchLoops.Webhook, Evidence = BenchLoops.Evidence("small") };
    }
}
