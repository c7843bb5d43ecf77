using System.Text.Json;
using BenchmarkDotNet.Attributes;
using LoopEngine.Signals;
using Microsoft.Extensions.Logging.Abstractions;

namespace LoopEngine.Benchmarks;

/// <summary>
/// G1: raw events already in memory → sliding windowed sum per subject → threshold rule → signal, against a
/// hand-written dictionary loop doing the same work (window buckets per SKU, the payload field read, the threshold
/// compared, a cooldown kept). Target: ≥ 1,000,000 events/s on one core and ≤ 2.0× the baseline.
/// </summary>
[MemoryDiagnoser]
public class G1SignalPipelineBenchmark
{
    private const int EventCount = 100_000;
    private const int Skus = 1_000;
    private const double Threshold = 0.5;
    private static readonly long Bucket = TimeSpan.FromMinutes(5).Ticks;

    private RawEvent[] _events = [];
    private SignalDefinition _definition = null!;
    private SignalProcessor _processor = null!;
    private readonly List<Signal> _output = [];

    [GlobalSetup]
    public void Setup()
    {
        var start = new DateTimeOffset(2026, 2, 14, 0, 0, 0, TimeSpan.Zero);
        var keys = new Dictionary<string, string>[Skus];
        for (var i = 0; i < Skus; i++)
        {
            keys[i] = new Dictionary<string, string>(StringComparer.Ordinal) { ["sku"] = "SKU-" + i };
        }

        _events = new RawEvent[EventCount];
        for (var i = 0; i < EventCount; i++)
        {
            var payload = JsonDocument.Parse("{\"qty\":" + ((i * 7) % 13) + "}").RootElement.Clone();
            _events[i] = new RawEvent("e" + i, "sale_recorded", start.AddMilliseconds(i * 50L), keys[i % Skus], payload);
        }

        _definition = SignalDefinition.Create("DEMAND_SPIKE").For("sku")
            .Feature("units_1h", "sum(sale_recorded.qty) over 1h every 5m")
            .Score(ScoringRule.Threshold("units_1h", threshold: 600, scale: 50))
            .Threshold(Threshold)
            .Cooldown(TimeSpan.FromHours(1))
            .Calibrate(new SignalCalibration { ShadowMargin = 0 })
            .Build();
    }

    [IterationSetup]
    public void NewProcessor()
    {
        var options = new SignalEngineOptions { MaxSubjects = Skus * 2, AllowedLateness = TimeSpan.FromMinutes(1) };
        _processor = new SignalProcessor([_definition], new Dictionary<string, string[]>(), options, null, TimeProvider.System, NullLogger.Instance);
    }

    /// <summary>The signal pipeline.</summary>
    /// <returns>The signals emitted.</returns>
    [Benchmark(OperationsPerInvoke = EventCount)]
    public int Pipeline()
    {
        _output.Clear();
        foreach (var e in _events)
        {
            _processor.Process(e, _output);
        }

        return _output.Count;
    }

    /// <summary>A hand-written loop: a dictionary of 12 five-minute buckets per SKU, a logistic threshold and a cooldown.</summary>
    /// <returns>The signals emitted.</returns>
    [Benchmark(Baseline = true, OperationsPerInvoke = EventCount)]
    public int HandWritten()
    {
        var state = new Dictionary<string, (long[] Index, double[] Sum, long LastEmitted)>(Skus, StringComparer.Ordinal);
        var emitted = 0;
        foreach (var e in _events)
        {
            var sku = e.Keys["sku"];
            var qty = e.Payload.GetProperty("qty").GetDouble();
            var at = e.OccurredAt.UtcTicks;
            if (!state.TryGetValue(sku, out var s))
            {
                s = (new long[13], new double[13], long.MinValue);
                Array.Fill(s.Index, long.MinValue);
            }

            var bucket = at / Bucket;
            var slot = (int)(bucket % 13);
            if (s.Index[slot] != bucket)
            {
                s.Index[slot] = bucket;
                s.Sum[slot] = 0;
            }

            s.Sum[slot] += qty;
            double sum = 0;
            for (var i = 0; i < 13; i++)
            {
                if (s.Index[i] > bucket - 12)
                {
                    sum += s.Sum[i];
                }
            }

            var confidence = 1.0 / (1.0 + Math.Exp(-(sum - 600) / 50));
            if (confidence >= Threshold && (s.LastEmitted == long.MinValue || at - s.LastEmitted >= TimeSpan.TicksPerHour))
            {
                s.LastEmitted = at;
                emitted++;
            }

            state[sku] = s;
        }

        return emitted;
    }
}
