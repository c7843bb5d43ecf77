using System.Diagnostics.Tracing;
using System.Globalization;
using LoopEngine;

namespace LoopEngine.Benchmarks;

/// <summary>
/// Which types an executed E1 transition allocates: the runtime's allocation-tick events (one sample per ~100 KB) over
/// many transitions, so each type's share of the samples is its share of the bytes.
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private readonly Dictionary<string, long> _samples = new(StringComparer.Ordinal);
    private bool _on;

    public static async Task RunAsync()
    {
        foreach (var (name, executed) in new[] { ("E1 small (executed)", true), ("E2 (rejected)", false) })
        {
            using var sampler = new AllocationSampler();
            var evidence = BenchLoops.Evidence("small");
            const int Ops = 400_000;
            var allocated = GC.GetAllocatedBytesForCurrentThread();
            sampler._on = true;
            for (var round = 0; round < Ops / 1024; round++)
            {
                var runtime = BenchLoops.CreateRuntime(new InMemoryLoopStore());
                var id = "PO-" + round.ToString(CultureInfo.InvariantCulture);
                await runtime.StartAsync(new StartLoopRequest { LoopId = "bench.counter", AggregateId = id, Actor = BenchLoops.Automation });
                var request = new TransitionRequest { AggregateId = id, TransitionId = "tick", Actor = executed ? BenchLoops.Human : BenchLoops.Webhook, Evidence = evidence };
                for (var i = 0; i < 1024; i++)
                {
                    await runtime.TransitionAsync(request);
                }
            }

            sampler._on = false;
            var perOp = (GC.GetAllocatedBytesForCurrentThread() - allocated) / (double)Ops;
            long total;
            lock (sampler._samples)
            {
                total = sampler._samples.Values.Sum();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"allocations per op, {name}: {perOp:N0} B, by type (share of {total} samples):"));
                foreach (var (type, count) in sampler._samples.OrderByDescending(p => p.Value).Take(25))
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {count * perOp / total,7:N0} B  {type}"));
                }
            }
        }
    }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Verbose, (EventKeywords)0x1);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (!_on || eventData.EventName is null || !eventData.EventName.StartsWith("GCAllocationTick", StringComparison.Ordinal) || eventData.PayloadNames is null)
        {
            return;
        }

        var index = eventData.PayloadNames.IndexOf("TypeName");
        var type = index >= 0 ? eventData.Payload![index] as string ?? "?" : "?";
        lock (_samples)
        {
            _samples[type] = _samples.GetValueOrDefault(type) + 1;
        }
    }
}
