using CsCheck;
using LoopEngine.Signals;
using static LoopEngine.Tests.Signals.SignalTestEvents;

namespace LoopEngine.Tests.Signals;

/// <summary>
/// The hot path's hand-made structures (the de-duplication window, the CLOCK-evicted subject table, routes with shared key
/// sets and reused feature states) checked against small reference models written with plain collections.
/// </summary>
public sealed class SignalHotPathStructureTests
{
    private static readonly string[] KeyNames = ["k"];

    private static SubjectKey Key(string value)
    {
        SubjectKey.TryCreate(KeyNames, new Dictionary<string, string> { ["k"] = value }, out var key).Should().BeTrue();
        return key;
    }

    [Fact]
    public void EventIdWindow_RandomArrivals_MatchesHashSetAndQueueModel()
    {
        // (id, minutes after T0); the horizon follows the newest time minus a 10-minute lateness, the bound is 20 ids.
        var arrivals = Gen.Select(Gen.Int[0, 60], Gen.Int[0, 120], (id, at) => (Id: "id" + id, At: (long)at)).Array[1, 300];
        arrivals.Sample(
            events =>
            {
                var window = new EventIdWindow();
                var seen = new HashSet<string>(StringComparer.Ordinal);
                var order = new Queue<(long At, string Id)>();
                var watermark = long.MinValue;
                foreach (var (id, at) in events)
                {
                    var added = window.TryAdd(id, at);
                    var modelAdded = seen.Add(id);
                    if (added != modelAdded)
                    {
                        return false;
                    }

                    if (!added)
                    {
                        continue;
                    }

                    order.Enqueue((at, id));
                    watermark = Math.Max(watermark, at);
                    window.Evict(watermark - 10, 20);
                    while (order.Count > 0 && (order.Peek().At < watermark - 10 || order.Count > 20))
                    {
                        seen.Remove(order.Dequeue().Id);
                    }

                    if (window.Count != seen.Count)
                    {
                        return false;
                    }
                }

                return true;
            },
            iter: 500);
    }

    [Fact]
    public void SubjectTable_RandomUse_MatchesSecondChanceModel()
    {
        // Operations on 8 keys with room for 4: 0 = GetOrAdd, 1 = GetOrAdd through the companion kept for the key, 2 = TryGet.
        var operations = Gen.Select(Gen.Int[0, 2], Gen.Int[0, 7], (op, key) => (Op: op, Key: "s" + key)).Array[1, 200];
        operations.Sample(ops =>
        {
            var table = new SubjectTable<TestState>(4, () => new TestState());
            var companions = new Dictionary<string, TestState?>(StringComparer.Ordinal);

            // The model: slots in insertion order, each with its key, state and "used" flag, and a hand; a new key when
            // full clears the flag of used slots from the hand on and takes the first unused slot.
            var slots = new List<(string Name, TestState? State, bool Used)>();
            var hand = 0;
            long evicted = 0;
            foreach (var (op, name) in ops)
            {
                var key = Key(name);
                var at = slots.FindIndex(x => x.Name == name);
                if (op == 2)
                {
                    var found = table.TryGet(key, out var existing);
                    if (found != at >= 0 || (found && !ReferenceEquals(existing, slots[at].State)))
                    {
                        return false;
                    }

                    continue;
                }

                TestState state;
                if (op == 0)
                {
                    state = table.GetOrAdd(key);
                }
                else
                {
                    var companion = companions.GetValueOrDefault(name);
                    state = table.GetOrAdd(key, ref companion);
                    companions[name] = companion;
                    if (!ReferenceEquals(companion, state))
                    {
                        return false;
                    }
                }

                if (at >= 0)
                {
                    if (!ReferenceEquals(slots[at].State, state))
                    {
                        return false;
                    }

                    slots[at] = (name, state, true);
                }
                else if (slots.Count < 4)
                {
                    slots.Add((name, state, true));
                }
                else
                {
                    while (slots[hand].Used)
                    {
                        slots[hand] = (slots[hand].Name, slots[hand].State, false);
                        hand = (hand + 1) % slots.Count;
                    }

                    slots[hand] = (name, state, true);
                    hand = (hand + 1) % slots.Count;
                    evicted++;
                }

                if (table.Count != slots.Count || table.Evicted != evicted)
                {
                    return false;
                }
            }

            return true;
        },
        iter: 500);
    }

    private sealed class TestState : SubjectState
    {
    }

    [Fact]
    public async Task IngestAsync_RandomEventsOnTwoKeySets_FeaturesMatchRecomputedWindows()
    {
        // One signal per SKU with a sum by SKU and a count by location (a second key set in the same route), re-evaluated
        // by sales and by stock movements (which feed neither window), events arriving out of order within the
        // lateness: every emitted signal carries both windows, recomputed here from the accepted sales (5-minute
        // buckets, the 12 buckets up to the watermark's).
        var gen = Gen.Select(Gen.Int[0, 2], Gen.Int[0, 1], Gen.Int[0, 180], Gen.Int[0, 9], (sku, loc, minute, qty) => (Sku: "SKU-" + sku, Location: "L" + loc, Minute: minute, Qty: qty)).Array[1, 60];
        await gen.SampleAsync(
            async events =>
            {
                var definition = SignalDefinition.Create("ECHO").For("sku")
                    .Feature("units", "sum(sale.qty) over 1h every 5m")
                    .Feature("sales_here", "count(sale) over 1h every 5m by location")
                    .Feature("on_hand", "last(stock.on_hand)")
                    .Score(ScoringRule.Custom("always", ["units"], _ => 1))
                    .Threshold(0.5).Carry("units", "sales_here").Calibrate(new SignalCalibration { ShadowMargin = 0 }).Build();
                var engine = new SignalEngineBuilder().AddSignal(definition).Configure(o => o.AllowedLateness = TimeSpan.FromHours(4)).Build();
                var accepted = new List<(string Sku, string Location, long Bucket, int Qty)>();
                long watermarkBucket = long.MinValue;
                for (var i = 0; i < events.Length; i++)
                {
                    var (sku, location, minute, qty) = events[i];
                    var at = T0.AddMinutes(minute);
                    var isStock = qty == 0;
                    var result = isStock
                        ? await engine.IngestAsync(Ev("e" + i, "stock", at, """{"on_hand":5}""", ("sku", sku), ("location", location)))
                        : await engine.IngestAsync(Ev("e" + i, "sale", at, $$"""{"qty":{{qty}}}""", ("sku", sku), ("location", location)));
                    var bucket = at.UtcTicks / TimeSpan.FromMinutes(5).Ticks;
                    if (!isStock)
                    {
                        accepted.Add((sku, location, bucket, qty));
                    }

                    watermarkBucket = Math.Max(watermarkBucket, bucket);
                    var inWindow = accepted.Where(a => a.Bucket > watermarkBucket - 12 && a.Bucket <= watermarkBucket).ToList();
                    var signal = result.Signals.Single();
                    var units = inWindow.Where(a => a.Sku == sku).ToList();

                    // A SKU with no sale in the window has no sum (the attribute is absent); a count is 0 then.
                    var unitsMatch = units.Count == 0
                        ? !signal.Attributes.ContainsKey("units")
                        : signal.Attributes.TryGetValue("units", out var u) && u == units.Sum(a => a.Qty);
                    if (!unitsMatch || signal.Attributes["sales_here"] != inWindow.Count(a => a.Location == location))
                    {
                        return false;
                    }
                }

                return true;
            },
            iter: 100);
    }

    [Fact]
    public async Task IngestAsync_BurstOfIdsThenQuiet_DeduplicationMemoryShrinksWithTheWindow()
    {
        var definition = SignalDefinition.Create("ECHO").For("sku").Feature("n", "count(sale) over 1h")
            .Score(ScoringRule.Custom("none", ["n"], _ => null)).Build();
        var engine = (SignalEngine)new SignalEngineBuilder().AddSignal(definition).Configure(o => o.AllowedLateness = TimeSpan.FromMinutes(1)).Build();
        var burst = Enumerable.Range(0, 10_000).Select(i => Ev("b" + i, "sale", T0.AddMilliseconds(i), "{}", ("sku", "A"))).ToList();
        await engine.IngestAsync(burst);
        engine.Processor.TrackedEventIdCapacity.Should().BeGreaterThanOrEqualTo(10_000);

        // Then one event a minute: the burst leaves the lateness window and its memory is given back.
        for (var i = 1; i <= 5; i++)
        {
            await engine.IngestAsync(Ev("q" + i, "sale", T0.AddMinutes(i * 2), "{}", ("sku", "A")));
        }

        engine.Processor.TrackedEventIds.Should().Be(1);
        engine.Processor.TrackedEventIdCapacity.Should().BeLessThanOrEqualTo(64);
    }
}
