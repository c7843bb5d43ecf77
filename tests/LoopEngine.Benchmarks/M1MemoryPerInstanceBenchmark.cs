using System.Globalization;
using BenchmarkDotNet.Attributes;
using LoopEngine;

namespace LoopEngine.Benchmarks;

/// <summary>
/// M1: memory per open loop instance held in the <see cref="InMemoryLoopStore"/> (started, no evidence: its instance,
/// <c>$start</c> record and <c>loop.started</c> event, and its aggregate id string). There is no baseline: BenchmarkDotNet
/// times the starts and counts what they allocate, and each iteration measures what the store still holds afterwards
/// (live bytes after a full compacting collection, before and after the starts, on a fresh store). The median over the iterations goes into the
/// table as its M1 row, judged against ≤ 512 B.
/// </summary>
/// <remarks><c>--m1 10000 100000 1000000</c> runs the same measurement as a console scenario, up to a million instances.</remarks>
[MemoryDiagnoser]
public class M1MemoryPerInstanceBenchmark
{
    /// <summary>The target, in bytes per open instance.</summary>
    public const double MaxBytesPerInstance = 512;

    private readonly List<double> _bytesPerInstance = [];
    private string[] _ids = [];
    private double _idBytesPerInstance;
    private LoopRuntime _runtime = null!;
    private InMemoryLoopStore _store = null!;
    private long _before;

    /// <summary>Gets or sets the number of instances started per iteration.</summary>
    [Params(100_000)]
    public int Instances { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var beforeIds = StoreBench.HeldBytes();
        _ids = new string[Instances];
        for (var i = 0; i < Instances; i++)
        {
            _ids[i] = "PO-" + i.ToString("D7", CultureInfo.InvariantCulture);
        }

        _idBytesPerInstance = (StoreBench.HeldBytes() - beforeIds) / (double)Instances;
    }

    [IterationSetup]
    public void FreshStore()
    {
        _store = new InMemoryLoopStore();
        _runtime = BenchLoops.CreateRuntime(_store);
        _runtime.StartAsync(new StartLoopRequest { LoopId = "bench.counter", AggregateId = "warmup", Actor = BenchLoops.Automation }).AsTask().GetAwaiter().GetResult();
        _before = StoreBench.HeldBytes();
    }

    [Benchmark]
    public async Task StartInstances()
    {
        for (var i = 0; i < _ids.Length; i++)
        {
            await _runtime.StartAsync(new StartLoopRequest { LoopId = "bench.counter", AggregateId = _ids[i], Actor = BenchLoops.Automation });
        }
    }

    [IterationCleanup]
    public void MeasureHeld()
    {
        var after = StoreBench.HeldBytes();
        if (_store.InstanceCount != Instances + 1)
        {
            StoreBench.Failures.Enqueue(string.Create(CultureInfo.InvariantCulture, $"M1: the store holds {_store.InstanceCount:N0} instances, expected {Instances + 1:N0}"));
        }

        _bytesPerInstance.Add(((after - _before) / (double)Instances) + _idBytesPerInstance);
        GC.KeepAlive(_runtime);
        _store = null!;
        _runtime = null!;
    }

    [GlobalCleanup]
    public void Report()
    {
        if (_bytesPerInstance.Count == 0)
        {
            return;
        }

        var sorted = _bytesPerInstance.Order().ToList();
        var median = sorted[sorted.Count / 2];
        var met = StoreBench.Smoke ? "smoke: not judged" : median <= MaxBytesPerInstance ? "met" : "MISSED";
        TargetsTable.ExtraRows.Add(
        [
            "M1",
            string.Create(CultureInfo.InvariantCulture, $"{nameof(M1MemoryPerInstanceBenchmark)}: memory held per open instance, {Instances:N0} instances"),
            string.Create(CultureInfo.InvariantCulture, $"{median:N0} B (median of {sorted.Count}; {sorted[0]:N0}-{sorted[^1]:N0} B; aggregate id {_idBytesPerInstance:N0} B of it)"),
            "-", "-", "-", "-", string.Create(CultureInfo.InvariantCulture, $"<= {MaxBytesPerInstance:N0} B per open instance"), met,
        ]);
    }
}
