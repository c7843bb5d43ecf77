using BenchmarkDotNet.Attributes;
using LoopEngine;
using LoopEngine.Metrics;

namespace LoopEngine.Benchmarks;

/// <summary>Metrics over 100,000 closed loops of one loop id, from the incremental projection (no trace rescans per call).</summary>
[MemoryDiagnoser]
public class MetricsOverClosedLoopsBenchmark
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly MetricsProjection _projection = new();

    [Params(100_000)]
    public int Loops { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new SeededLoopRandom(42);
        Actor[] actors = [Actor.Human("drew.kim@lumebonde.co"), Actor.System("fulfillment"), Actor.Automation("warehouse:dc-east"), Actor.AiAgent("agent:claude")];
        string[] states = ["OPEN", "PO_CONFIRMED", "RECEIPT_SCHEDULED", "RECEIVED", "CLOSED"];
        for (var i = 0; i < Loops; i++)
        {
            var aggregate = $"PO-2026-{i:000000}";
            var opened = Start + TimeSpan.FromMinutes(random.NextDouble() * 30 * 24 * 60);
            var at = opened;
            var trace = new List<TransitionRecord> { Record(aggregate, 1, "$start", null, "OPEN", Actor.System("engine"), at) };
            for (var s = 0; s < 4; s++)
            {
                at += TimeSpan.FromHours(random.NextDouble() * 40);
                trace.Add(Record(aggregate, s + 2, "t" + s, states[s], states[s + 1], actors[(int)(random.NextDouble() * actors.Length)], at));
            }

            var instance = new LoopInstance
            {
                OrgId = "default", LoopId = "scm.procurement", DefinitionVersion = "2.0.0", AggregateId = aggregate, CurrentState = "CLOSED",
                Status = random.NextDouble() < 0.041 ? LoopStatus.Error : LoopStatus.Closed, Version = 5, CorrelationId = "c",
                OpenedAt = opened, UpdatedAt = at, ClosedAt = at, HeadHash = "h",
            };
            _projection.AddEnded(instance, trace, []);
        }
    }

    [Benchmark]
    public LoopMetrics Compute() => _projection.Compute("default", "scm.procurement", Start, Start.AddDays(30));

    private static TransitionRecord Record(string aggregate, long sequence, string transition, string? from, string to, Actor actor, DateTimeOffset at) => new()
    {
        OrgId = "default", LoopId = "scm.procurement", DefinitionVersion = "2.0.0", AggregateId = aggregate, Sequence = sequence,
        TransitionId = transition, FromState = from, ToState = to, Actor = actor, OccurredAt = at, Evidence = Evidence.Empty,
        CorrelationId = "c", PreviousHash = TransitionRecord.GenesisHash, Hash = "h",
    };
}
