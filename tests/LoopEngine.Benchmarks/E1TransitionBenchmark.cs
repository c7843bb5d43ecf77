using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using LoopEngine;
using Stateless;

namespace LoopEngine.Benchmarks;

/// <summary>
/// E1: one executed, guarded transition with actor policy on the in-memory store (trace record with hash link, events)
/// versus Stateless <c>FireAsync</c> with one guard and an <c>OnTransitioned</c> callback plus SHA-256 over the record's canonical bytes.
/// </summary>
/// <remarks>
/// The in-memory store keeps every record and event, so the engine side starts a fresh store and aggregate every
/// <see cref="OpsPerAggregate"/> transitions (the start is amortized over them) to keep the heap from growing without bound.
/// </remarks>
[MemoryDiagnoser]
public class E1TransitionBenchmark
{
    /// <summary>Transitions per aggregate before the store is replaced.</summary>
    public const int OpsPerAggregate = 1024;

    private LoopRuntime _runtime = null!;
    private TransitionRequest _request = null!;
    private Evidence _evidence = null!;
    private int _ops;
    private int _aggregate;

    private StateMachine<string, string> _machine = null!;
    private readonly List<StateMachine<string, string>.Transition> _transitions = new(OpsPerAggregate);
    private byte[] _canonical = [];
    private bool _guardOpen = true;

    [Params("small", "1KB")]
    public string EvidenceSize { get; set; } = "small";

    [GlobalSetup]
    public void Setup()
    {
        _evidence = BenchLoops.Evidence(EvidenceSize);
        NewAggregate();

        // The baseline hashes the canonical bytes of a record the engine itself wrote with the same evidence.
        var result = _runtime.TransitionAsync(_request).AsTask().GetAwaiter().GetResult();
        if (result.Outcome != TransitionOutcome.Executed || result.Record is null)
        {
            throw new InvalidOperationException($"E1 setup: expected an executed transition, got {result.Outcome}: {result.Message}");
        }

        _canonical = Encoding.UTF8.GetBytes(TraceCanonicalizer.ToCanonicalJson(result.Record));

        _machine = new StateMachine<string, string>("COUNTING");
        _machine.Configure("COUNTING").PermitReentryIf("tick", () => _guardOpen, "amount_within_limit");
        _machine.OnTransitioned(t => _transitions.Add(t));
    }

    /// <summary>Bytes of canonical JSON the baseline hashes (for the write-up).</summary>
    public int CanonicalBytes => _canonical.Length;

    [Benchmark(Baseline = true)]
    public async Task StatelessFireAsyncPlusSha256()
    {
        if (_transitions.Count >= OpsPerAggregate)
        {
            _transitions.Clear();
        }

        await _machine.FireAsync("tick");
        Hash(_canonical);
    }

    [Benchmark]
    public ValueTask<TransitionResult> Engine()
    {
        if (++_ops >= OpsPerAggregate)
        {
            NewAggregate();
        }

        return _runtime.TransitionAsync(_request);
    }

    private static void Hash(byte[] bytes)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(bytes, hash);
    }

    private void NewAggregate()
    {
        _ops = 0;
        _runtime = BenchLoops.CreateRuntime(new InMemoryLoopStore());
        var aggregateId = "PO-" + (++_aggregate).ToString(System.Globalization.CultureInfo.InvariantCulture);
        _runtime.StartAsync(new StartLoopRequest { LoopId = "bench.counter", AggregateId = aggregateId, Actor = BenchLoops.Automation })
            .AsTask().GetAwaiter().GetResult();
        _request = new TransitionRequest { AggregateId = aggregateId, TransitionId = "tick", Actor = BenchLoops.Human, Evidence = _evidence };
    }
}
