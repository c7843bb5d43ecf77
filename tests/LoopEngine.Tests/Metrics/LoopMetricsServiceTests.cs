using LoopEngine;
using LoopEngine.Metrics;
using LoopEngine.Tests.Learning;
using LoopEngine.Tests.TestSupport;

namespace LoopEngine.Tests.Metrics;

public sealed class LoopMetricsServiceTests
{
    private const string Loop = "scm.procurement";
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly string[] States = ["OPEN", "PO_CONFIRMED", "RECEIPT_SCHEDULED", "RECEIVED", "CLOSED"];
    private static readonly string[] Transitions = ["confirm_po", "schedule_receipt", "receive", "close"];

    /// <summary>A generated history: loops opened uniformly over 30 days, four steps each, some ending in DISPUTED.</summary>
    private static async Task<InMemoryLoopStore> HistoryAsync(int seed, int loops, double humanShare, int errorLoops, double meanCloseDays)
    {
        var random = new Random(seed);
        var history = new LoopHistory(new InMemoryLoopStore());
        for (var i = 0; i < loops; i++)
        {
            var opened = Start + TimeSpan.FromDays(random.NextDouble() * 25);
            var total = TimeSpan.FromDays(meanCloseDays - 1 + (2 * random.NextDouble()));
            var error = i < errorLoops;
            var steps = new List<Step>();
            for (var s = 0; s < 4; s++)
            {
                var to = error && s == 3 ? "DISPUTED" : States[s + 1];
                var actor = random.NextDouble() < humanShare ? Actor.Human("drew.kim@lumebonde.co")
                    : random.Next(3) switch { 0 => Actor.AiAgent("agent:claude"), 1 => Actor.Automation("warehouse:dc-east"), _ => Actor.System("fulfillment") };
                steps.Add(new Step(error && s == 3 ? "dispute" : Transitions[s], States[s], to, actor, total / 4));
            }

            await history.AddAsync(Loop, $"PO-2026-{i:00000}", opened, "OPEN", steps, error ? LoopStatus.Error : LoopStatus.Closed);
        }

        return history.Store;
    }

    [Fact]
    public async Task ComputeAsync_ThirtyDayHistoryWithPageParameters_LandsNearPageFigures()
    {
        var store = await HistoryAsync(seed: 7, loops: 1000, humanShare: 0.33, errorLoops: 41, meanCloseDays: 3.2);
        using var service = new LoopMetricsService(store);

        var m = await service.ComputeAsync("default", Loop, Start, Start.AddDays(30));

        m.EndedCount.Should().Be(1000);
        m.AverageCloseTime!.Value.TotalDays.Should().BeApproximately(3.2, 0.1);
        m.ExceptionRate.Should().BeApproximately(0.041, 1e-9);
        m.AiActedShare!.Value.Should().BeApproximately(0.67, 0.02);
        m.HumanApprovedShare!.Value.Should().BeApproximately(0.33, 0.02);
        (m.AiActedShare + m.HumanApprovedShare).Should().BeApproximately(1, 1e-12);
        m.Completions.Should().Be(959);
    }

    [Fact]
    public async Task ComputeAsync_OtherParameters_GiveOtherFigures()
    {
        var store = await HistoryAsync(seed: 11, loops: 500, humanShare: 0.6, errorLoops: 50, meanCloseDays: 5);
        using var service = new LoopMetricsService(store);

        var m = await service.ComputeAsync("default", Loop, Start, Start.AddDays(40));

        m.AverageCloseTime!.Value.TotalDays.Should().BeApproximately(5, 0.15);
        m.ExceptionRate.Should().BeApproximately(0.1, 1e-9);
        m.HumanApprovedShare!.Value.Should().BeApproximately(0.6, 0.03);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task ComputeAsync_RandomTraces_MatchesBruteForce(int seed)
    {
        var random = new Random(seed);
        var history = new LoopHistory(new InMemoryLoopStore());
        var actors = new[] { Actor.Human("h1"), Actor.AiAgent("a1"), Actor.Automation("au"), Actor.System("sys"), Actor.Webhook("wh") };
        for (var i = 0; i < 200; i++)
        {
            var opened = Start + TimeSpan.FromHours(random.Next(0, 24 * 40));
            var n = random.Next(0, 5);
            var steps = new List<Step>();
            var recs = new List<Recommendation>();
            var at = opened;
            for (var s = 0; s < n; s++)
            {
                var after = TimeSpan.FromMinutes(random.Next(1, 5000));
                at += after;
                var actor = actors[random.Next(actors.Length)];
                Actor? recommender = null;
                string? recId = null;
                if (actor.Type == ActorType.Human && random.Next(2) == 0)
                {
                    recommender = Actor.AiAgent("agent");
                    recId = $"rec-{i}-{s}";
                    recs.Add(Rec(recId, $"A{i}", recommender, at - TimeSpan.FromMinutes(random.Next(1, 600)), at, RecommendationStatus.Approved));
                }

                steps.Add(new Step(s == 0 ? "confirm_po" : "t" + s, States[Math.Min(s, 4)], States[Math.Min(s + 1, 4)], actor, after, null, recommender, recId));
            }

            if (random.Next(4) == 0)
            {
                recs.Add(Rec($"rej-{i}", $"A{i}", random.Next(2) == 0 ? Actor.AiAgent("agent") : Actor.Human("h2"), at, at + TimeSpan.FromMinutes(random.Next(1, 90)), RecommendationStatus.Rejected));
            }

            var status = (LoopStatus)random.Next(0, 5);
            status = (n, status) switch
            {
                (0, LoopStatus.InProgress) => LoopStatus.Open,
                ( > 0, LoopStatus.Open) => LoopStatus.InProgress,
                _ => status,
            };

            await history.AddAsync(Loop, $"A{i}", opened, "OPEN", steps, status, slaBreached: random.Next(10) == 0, blockedRequests: random.Next(3), recommendations: recs);
        }

        using var service = new LoopMetricsService(history.Store);
        var from = Start.AddDays(5);
        var to = Start.AddDays(35);

        var m = await service.ComputeAsync("default", Loop, from, to);

        var expected = await BruteForceAsync(history.Store, from, to);
        m.Should().BeEquivalentTo(expected, o => o.Excluding(x => x.CompletionsPerDay));
        m.CompletionsPerDay.Sum(p => p.Count).Should().Be(m.Completions);
        m.CompletionsPerDay.Should().HaveCount(30);
    }

    [Fact]
    public async Task ComputeAsync_LoopsWithoutRecommendationEvents_ReadNoRecommendations()
    {
        var history = new LoopHistory(new InMemoryLoopStore());
        var step = new Step("confirm_po", "OPEN", "PO_CONFIRMED", Actor.Human("h"), TimeSpan.FromDays(1), null, Actor.AiAgent("agent"), "rec-A2");
        await history.AddAsync(Loop, "A1", Start, "OPEN", [step with { Recommender = null, RecommendationId = null }], LoopStatus.Closed);
        await history.AddAsync(Loop, "A2", Start, "OPEN", [step], LoopStatus.Closed,
            recommendations: [Rec("rec-A2", "A2", Actor.AiAgent("agent"), Start.AddHours(1), Start.AddHours(3), RecommendationStatus.Approved)]);
        await history.AddAsync(Loop, "A3", Start, "OPEN", [step with { Recommender = null, RecommendationId = null }], LoopStatus.Closed);
        var store = new CountingStore(history.Store);
        using var service = new LoopMetricsService(store);

        var m = await service.ComputeAsync("default", Loop, Start, Start.AddDays(30));

        store.RecommendationQueries.Should().Equal("A2");
        m.DecidedRecommendations.Should().Be(1);
        m.MedianApprovalLatency.Should().Be(TimeSpan.FromHours(2));
        m.EndedCount.Should().Be(3);
    }

    /// <summary>Records which aggregates' recommendations were queried.</summary>
    private sealed class CountingStore(ILoopStore inner) : ForwardingLoopStore(inner)
    {
        public List<string?> RecommendationQueries { get; } = [];

        public override ValueTask<Page<Recommendation>> QueryRecommendationsAsync(RecommendationQuery query, CancellationToken cancellationToken = default)
        {
            RecommendationQueries.Add(query.AggregateId);
            return base.QueryRecommendationsAsync(query, cancellationToken);
        }
    }

    [Fact]
    public async Task ComputeAsync_EventsAppendedAfterFirstCall_AreProjectedIncrementally()
    {
        var history = new LoopHistory(new InMemoryLoopStore());
        using var service = new LoopMetricsService(history.Store);
        await history.AddAsync(Loop, "A1", Start, "OPEN", [new Step("confirm_po", "OPEN", "PO_CONFIRMED", Actor.Human("h"), TimeSpan.FromDays(1))], LoopStatus.Closed);
        (await service.ComputeAsync("default", Loop, Start, Start.AddDays(30))).Completions.Should().Be(1);

        await history.AddAsync(Loop, "A2", Start, "OPEN", [new Step("confirm_po", "OPEN", "PO_CONFIRMED", Actor.System("s"), TimeSpan.FromDays(3))], LoopStatus.Closed);
        var m = await service.ComputeAsync("default", Loop, Start, Start.AddDays(30));

        m.Completions.Should().Be(2);
        m.AverageCloseTime.Should().Be(TimeSpan.FromDays(2));
        m.AiActedShare.Should().Be(0.5);
    }

    private static Recommendation Rec(string id, string aggregate, Actor recommender, DateTimeOffset created, DateTimeOffset decided, RecommendationStatus status) => new()
    {
        Id = id, OrgId = "default", LoopId = Loop, AggregateId = aggregate, TransitionId = "receive", FromState = "RECEIPT_SCHEDULED",
        InstanceVersion = 1, Recommender = recommender, Evidence = Evidence.Empty, CorrelationId = "c", CreatedAt = created,
        ExpiresAt = created.AddDays(1), Status = status, DecidedAt = decided,
    };

    /// <summary>Every figure straight from the store's instances, traces and events, as docs/metrics.md defines it.</summary>
    private static async Task<LoopMetrics> BruteForceAsync(InMemoryLoopStore store, DateTimeOffset from, DateTimeOffset to)
    {
        var all = (await store.QueryInstancesAsync(new InstanceQuery { OrgId = "default", LoopId = Loop, PageSize = 1000 })).Items;
        var events = await store.ReadEventsAsync(0, int.MaxValue);
        var ended = all.Where(i => i.IsEnded && i.ClosedAt >= from && i.ClosedAt < to).ToList();
        var closeTimes = ended.Where(i => i.Status == LoopStatus.Closed).Select(i => (i.ClosedAt!.Value - i.OpenedAt).Ticks).Order().ToList();
        var breached = events.Where(e => e.Type == LoopEventTypes.SlaBreached).Select(e => e.AggregateId).ToHashSet();
        var records = new List<TransitionRecord>();
        var dwell = new List<(string State, long Ticks)>();
        var recs = new List<Recommendation>();
        foreach (var i in ended)
        {
            var trace = await store.ReadTraceAsync("default", i.AggregateId);
            records.AddRange(trace.Where(r => !r.TransitionId.StartsWith('$')));
            dwell.AddRange(trace.Skip(1).Select((r, k) => (r.FromState!, (r.OccurredAt - trace[k].OccurredAt).Ticks)));
            recs.AddRange((await store.QueryRecommendationsAsync(new RecommendationQuery { OrgId = "default", AggregateId = i.AggregateId, PageSize = 1000 })).Items
                .Where(r => r.Status is RecommendationStatus.Approved or RecommendationStatus.Rejected));
        }

        long human = records.Count(r => r.Actor.Type == ActorType.Human);
        var latencies = recs.Select(r => (r.DecidedAt!.Value - r.CreatedAt).Ticks).Order().ToList();
        var aiRecs = recs.Where(r => r.Recommender.Type == ActorType.AiAgent).ToList();
        long requests = events.Count(e => e.Type == LoopEventTypes.TransitionRequested && e.OccurredAt >= from && e.OccurredAt < to);
        long blocked = events.Count(e => e.Type == LoopEventTypes.Blocked && e.OccurredAt >= from && e.OccurredAt < to);
        double? Ratio(long a, long b) => b == 0 ? null : (double)a / b;
        return new LoopMetrics
        {
            OrgId = "default",
            LoopId = Loop,
            From = from,
            To = to,
            CountByStatus = Enum.GetValues<LoopStatus>().ToDictionary(s => s, s => (long)all.Count(i => i.Status == s && i.OpenedAt >= from && i.OpenedAt < to)),
            EndedCount = ended.Count,
            Completions = closeTimes.Count,
            AverageCloseTime = closeTimes.Count == 0 ? null : TimeSpan.FromTicks((long)closeTimes.Average()),
            MedianCloseTime = MetricsProjection.Median(closeTimes),
            P95CloseTime = closeTimes.Count == 0 ? null : TimeSpan.FromTicks(closeTimes[(int)Math.Ceiling(0.95 * closeTimes.Count) - 1]),
            ExceptionCount = ended.Count(i => i.Status == LoopStatus.Error || breached.Contains(i.AggregateId)),
            ExceptionRate = Ratio(ended.Count(i => i.Status == LoopStatus.Error || breached.Contains(i.AggregateId)), ended.Count),
            ExecutedTransitions = records.Count,
            AiActedTransitions = records.Count - human,
            HumanApprovedTransitions = human,
            AiActedShare = Ratio(records.Count - human, records.Count),
            HumanApprovedShare = Ratio(human, records.Count),
            TransitionsByActorType = ActorTypes.All.ToDictionary(t => t, t => (long)records.Count(r => r.Actor.Type == t)),
            AiRecommendedApprovedTransitions = records.Count(r => r.Recommender?.Type == ActorType.AiAgent),
            DecidedRecommendations = recs.Count,
            AverageApprovalLatency = latencies.Count == 0 ? null : TimeSpan.FromTicks((long)latencies.Average()),
            MedianApprovalLatency = MetricsProjection.Median(latencies),
            OverrideRate = Ratio(aiRecs.Count(r => r.Status == RecommendationStatus.Rejected), aiRecs.Count),
            TimeInState = dwell.GroupBy(d => d.State).ToDictionary(g => g.Key, g => new StateTime(g.Count(), TimeSpan.FromTicks(g.Sum(d => d.Ticks)))),
            TransitionRequests = requests,
            BlockedRequests = blocked,
            GuardFailureRate = Ratio(blocked, requests),
            CompletionsPerDay = [],
        };
    }
}
