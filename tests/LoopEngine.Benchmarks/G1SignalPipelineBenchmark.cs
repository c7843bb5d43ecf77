using System.Text.Json;
using BenchmarkDotNet.Attributes;
using LoopEngine.Signals;
using Microsoft.Extensions.Logging.Abstractions;

namespace LoopEngine.Benchmarks;

/// <summary>
/// G1: raw events already in memory as objects (200,000 <c>sale_recorded</c> events, 1,000 SKUs, 50 ms apart, a parsed
/// JSON payload <c>{"qty":n}</c>) → sliding windowed sum per subject (<c>sum(sale_recorded.qty) over 1h every 5m</c>) →
/// threshold rule (logistic confidence, threshold 400, scale 50; emit at confidence ≥ 0.5) with a one-hour cooldown per
/// SKU → signal (about 2,000 signals per run). About 1% of the events are re-deliveries of an event 150 ms earlier and
/// another 1% arrive two minutes late; both sides must drop them, and the setup checks that both emit the same signals
/// (subject, time, confidence) and that dropping them changes the result. Target: ≥ 1,000,000 events/s on one core and ≤ 2.0× the baseline.
/// <para>
/// <see cref="Pipeline"/> builds a <see cref="SignalProcessor"/> (the engine's synchronous hot path, without storage)
/// and feeds it every event. Per event the engine: finds the event type's route; checks the payload is an object; reads
/// the <c>qty</c> field; drops the event if it is older than the watermark minus the allowed lateness (1 minute); ignores
/// it if its id was seen within the lateness window (and forgets ids older than that window); advances the watermark;
/// reads the <c>sku</c> key; adds the value to the SKU's 5-minute bucket in a ring of buckets (bounded
/// table of subjects, CLOCK eviction); sums the 12 buckets of the last hour; scores the threshold rule; applies the cooldown; and, when it
/// emits, builds a <see cref="Signal"/> (id, subject and attribute dictionaries, timestamps).
/// </para>
/// <para>
/// <see cref="HandWritten"/>, the baseline, does the same logical work by hand with the cheapest obvious structures:
/// a <see cref="HashSet{T}"/> of ids and a <see cref="Queue{T}"/> of (time, id) to forget ids older than the lateness
/// window, the same lateness check against a watermark, a <see cref="Dictionary{TKey, TValue}"/> from SKU to a ring of
/// 13 five-minute buckets (index and sum arrays) and the last emission time, the same <c>qty</c> read (from UTF-8 bytes,
/// as the engine does), the same 12-bucket sum, logistic confidence and cooldown, and a small record per emitted signal
/// (id, SKU, confidence, time) added to a list. It has no subject bound (no eviction), no routing by event type, no
/// error checks and no per-signal dictionaries. <see cref="HandWrittenWithoutDeduplication"/> is the same loop without
/// the id de-duplication and the lateness check, shown for reference (not the baseline).
/// </para>
/// </summary>
[MemoryDiagnoser]
public class G1SignalPipelineBenchmark
{
    private const int EventCount = 200_000;
    private const int Skus = 1_000;
    private const double Threshold = 0.5;
    private const int DuplicateEvery = 97;
    private const int LateEvery = 101;
    private static readonly long Bucket = TimeSpan.FromMinutes(5).Ticks;
    private static readonly long Lateness = TimeSpan.FromMinutes(1).Ticks;

    private RawEvent[] _events = [];
    private SignalDefinition _definition = null!;
    private readonly List<Signal> _output = [];
    private readonly List<HandSignal> _handOutput = [];

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
            if (i % DuplicateEvery == DuplicateEvery / 2)
            {
                // A re-delivery of an event three positions back (150 ms earlier: inside the lateness window).
                _events[i] = _events[i - 3];
                continue;
            }

            var payload = JsonDocument.Parse("{\"qty\":" + ((i * 7) % 13) + "}").RootElement.Clone();
            var at = start.AddMilliseconds(i * 50L);
            if (i % LateEvery == 7)
            {
                // Two minutes behind the stream: older than the watermark minus the allowed lateness, so it is dropped.
                at -= TimeSpan.FromMinutes(2);
            }

            _events[i] = new RawEvent("e" + i, "sale_recorded", at, keys[i % Skus], payload);
        }

        _definition = SignalDefinition.Create("DEMAND_SPIKE").For("sku")
            .Feature("units_1h", "sum(sale_recorded.qty) over 1h every 5m")
            .Score(ScoringRule.Threshold("units_1h", threshold: 400, scale: 50))
            .Threshold(Threshold)
            .Cooldown(TimeSpan.FromHours(1))
            .Carry("units_1h")
            .Calibrate(new SignalCalibration { ShadowMargin = 0 })
            .Build();

        CheckSameWork();
    }

    /// <summary>
    /// Fails unless the pipeline and the baseline emit the same signals (subject, time and confidence, in order) over events
    /// that include re-deliveries and late arrivals, and unless those events matter (the loop that ignores them differs).
    /// </summary>
    private void CheckSameWork()
    {
        Pipeline();
        var ours = _output.Select(s => (Sku: s.Subject["sku"], At: s.OccurredAt.UtcTicks, s.Confidence)).ToList();
        HandWritten();
        var theirs = _handOutput.Select(s => (s.Sku, s.At, s.Confidence)).ToList();
        HandWrittenWithoutDeduplication();
        var careless = _handOutput.Select(s => (s.Sku, s.At, s.Confidence)).ToList();
        if (ours.Count == 0 || ours.Count != theirs.Count)
        {
            throw new InvalidOperationException($"The pipeline emitted {ours.Count} signals and the hand-written loop {theirs.Count}: they must do the same work.");
        }

        for (var i = 0; i < ours.Count; i++)
        {
            if (ours[i].Sku != theirs[i].Sku || ours[i].At != theirs[i].At || Math.Abs(ours[i].Confidence - theirs[i].Confidence) > 1e-12)
            {
                throw new InvalidOperationException($"Signal {i} differs: the pipeline emitted {ours[i]}, the hand-written loop {theirs[i]}.");
            }
        }

        if (careless.SequenceEqual(theirs))
        {
            throw new InvalidOperationException("The re-deliveries and late events changed nothing: the check would not notice a pipeline that ignores them.");
        }
    }

    /// <summary>The signal pipeline.</summary>
    /// <returns>The signals emitted.</returns>
    [Benchmark(OperationsPerInvoke = EventCount)]
    public int Pipeline()
    {
        var options = new SignalEngineOptions { MaxSubjects = Skus * 2, AllowedLateness = TimeSpan.FromMinutes(1) };
        var processor = new SignalProcessor([_definition], new Dictionary<string, string[]>(), options, null, TimeProvider.System, NullLogger.Instance);
        _output.Clear();
        foreach (var e in _events)
        {
            processor.Process(e, _output);
        }

        return _output.Count;
    }

    /// <summary>The hand-written loop (see the class documentation for exactly what it does).</summary>
    /// <returns>The signals emitted.</returns>
    [Benchmark(Baseline = true, OperationsPerInvoke = EventCount)]
    public int HandWritten()
    {
        var state = new Dictionary<string, SkuState>(Skus, StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var seenOrder = new Queue<(long At, string Id)>();
        var watermark = long.MinValue;
        _handOutput.Clear();
        foreach (var e in _events)
        {
            var qty = e.Payload.GetProperty("qty"u8).GetDouble();
            var at = e.OccurredAt.UtcTicks;
            if (watermark != long.MinValue && at < watermark - Lateness)
            {
                continue;
            }

            if (!seen.Add(e.Id))
            {
                continue;
            }

            watermark = Math.Max(watermark, at);
            seenOrder.Enqueue((at, e.Id));
            while (seenOrder.Peek().At < watermark - Lateness)
            {
                seen.Remove(seenOrder.Dequeue().Id);
            }

            var sku = e.Keys["sku"];
            if (!state.TryGetValue(sku, out var s))
            {
                s = new SkuState();
                state.Add(sku, s);
            }

            var emitted = Add(s, at, qty, watermark);
            if (emitted is { } confidence)
            {
                _handOutput.Add(new HandSignal("sig_DEMAND_SPIKE_" + e.Id, sku, confidence, at));
            }
        }

        return _handOutput.Count;
    }

    /// <summary>The hand-written loop without de-duplication by id and without the lateness check (for reference only).</summary>
    /// <returns>The signals emitted.</returns>
    [Benchmark(OperationsPerInvoke = EventCount)]
    [BenchmarkCategory("Reference")]
    public int HandWrittenWithoutDeduplication()
    {
        var state = new Dictionary<string, SkuState>(Skus, StringComparer.Ordinal);
        _handOutput.Clear();
        foreach (var e in _events)
        {
            var qty = e.Payload.GetProperty("qty"u8).GetDouble();
            var at = e.OccurredAt.UtcTicks;
            var sku = e.Keys["sku"];
            if (!state.TryGetValue(sku, out var s))
            {
                s = new SkuState();
                state.Add(sku, s);
            }

            var emitted = Add(s, at, qty, at);
            if (emitted is { } confidence)
            {
                _handOutput.Add(new HandSignal("sig_DEMAND_SPIKE_" + e.Id, sku, confidence, at));
            }
        }

        return _handOutput.Count;
    }

    /// <summary>Adds a value to its bucket, sums the last 12 buckets, scores and applies the cooldown.</summary>
    private static double? Add(SkuState s, long at, double qty, long watermark)
    {
        var bucket = at / Bucket;
        var slot = (int)(bucket % 13);
        if (s.Index[slot] != bucket)
        {
            s.Index[slot] = bucket;
            s.Sum[slot] = 0;
        }

        s.Sum[slot] += qty;
        var newest = watermark / Bucket;
        double sum = 0;
        for (var i = 0; i < 13; i++)
        {
            if (s.Index[i] > newest - 12 && s.Index[i] <= newest)
            {
                sum += s.Sum[i];
            }
        }

        var confidence = 1.0 / (1.0 + Math.Exp(-(sum - 400) / 50));
        if (confidence >= Threshold && (s.LastEmitted == long.MinValue || at - s.LastEmitted >= TimeSpan.TicksPerHour))
        {
            s.LastEmitted = at;
            return confidence;
        }

        return null;
    }

    private sealed class SkuState
    {
        public SkuState() => Array.Fill(Index, long.MinValue);

        public long[] Index { get; } = new long[13];

        public double[] Sum { get; } = new double[13];

        public long LastEmitted { get; set; } = long.MinValue;
    }

    private sealed record HandSignal(string Id, string Sku, double Confidence, long At);
}
