namespace LoopEngine.Metrics;

/// <summary>
/// An incremental projection of the event stream and of each ended loop's trace into per-loop series, so metrics over
/// a window cost one binary search and one pass over the loops that ended in it, never a rescan of every trace.
/// Not thread-safe: <see cref="LoopMetricsService"/> serializes access.
/// </summary>
internal sealed class MetricsProjection
{
    private static readonly int ActorTypeSlots = ActorTypes.All.Max(t => (int)t) + 1;
    private readonly Dictionary<(string OrgId, string LoopId), Series> _series = [];
    private readonly Dictionary<(string OrgId, string AggregateId), Series> _byAggregate = [];

    /// <summary>Gets or sets the position of the last event applied.</summary>
    public long Position { get; set; }

    /// <summary>Applies one event. Returns true when the event ends a loop not yet projected: the caller then supplies it with <see cref="AddEnded"/>.</summary>
    public bool Apply(LoopEvent e)
    {
        Position = Math.Max(Position, e.Position);
        if (e.LoopId.Length == 0 || e.AggregateId.Length == 0)
        {
            return false;
        }

        var series = SeriesFor(e.OrgId, e.LoopId);
        _byAggregate.TryAdd((e.OrgId, e.AggregateId), series);
        var live = series.Live(e.AggregateId, e.OccurredAt);
        switch (e.Type)
        {
            case LoopEventTypes.Started:
                live.OpenedAt = e.OccurredAt;
                live.SawStart = true;
                break;
            case LoopEventTypes.RecommendationCreated or LoopEventTypes.RecommendationApproved or LoopEventTypes.RecommendationRejected
                or LoopEventTypes.RecommendationExpired or LoopEventTypes.RecommendationSuperseded:
                live.Recommended = true;
                break;
            case LoopEventTypes.Executed when live.Status == LoopStatus.Open:
                live.Status = LoopStatus.InProgress;
                break;
            case LoopEventTypes.TransitionRequested:
                Insert(series.Requests, e.OccurredAt.UtcTicks);
                break;
            case LoopEventTypes.Blocked:
                Insert(series.Blocked, e.OccurredAt.UtcTicks);
                break;
            case LoopEventTypes.SlaBreached:
                live.Breached = true;
                break;
            case LoopEventTypes.Completed or LoopEventTypes.Error or LoopEventTypes.Cancelled:
                return !live.Ended;
        }

        return false;
    }

    /// <summary>
    /// Tells whether a loop may have recommendations to read: false only when this projection saw the loop's start and no
    /// recommendation event of it since, so the caller can skip the read (most loops never have one).
    /// </summary>
    public bool MayHaveRecommendations(string orgId, string aggregateId) =>
        !_byAggregate.TryGetValue((orgId, aggregateId), out var series)
        || !series.Instances.TryGetValue(aggregateId, out var live)
        || !live.SawStart
        || live.Recommended;

    /// <summary>Projects an ended loop from its instance, trace and recommendations (once per loop; later calls are ignored).</summary>
    public void AddEnded(LoopInstance instance, IReadOnlyList<TransitionRecord> trace, IEnumerable<Recommendation> recommendations)
    {
        var series = SeriesFor(instance.OrgId, instance.LoopId);
        _byAggregate.TryAdd((instance.OrgId, instance.AggregateId), series);
        var live = series.Live(instance.AggregateId, instance.OpenedAt);
        if (live.Ended || !instance.IsEnded)
        {
            return;
        }

        live.Ended = true;
        live.Status = instance.Status;
        live.OpenedAt = instance.OpenedAt;
        var endedAt = instance.ClosedAt ?? instance.UpdatedAt;
        var summary = new EndedLoop
        {
            EndedAtTicks = endedAt.UtcTicks,
            CloseTimeTicks = (endedAt - instance.OpenedAt).Ticks,
            Status = instance.Status,
            IsException = instance.Status == LoopStatus.Error || live.Breached,
            ByActorType = new int[ActorTypeSlots],
        };
        var dwell = new List<(string, long)>(trace.Count);
        for (var i = 0; i < trace.Count; i++)
        {
            var r = trace[i];
            if (i > 0 && r.FromState is { } from)
            {
                dwell.Add((from, (r.OccurredAt - trace[i - 1].OccurredAt).Ticks));
            }

            if (r.TransitionId.StartsWith('$'))
            {
                continue;
            }

            summary.ByActorType[(int)r.Actor.Type]++;
            if (r.Recommender is { Type: ActorType.AiAgent })
            {
                summary.AiRecommendedApproved++;
            }
        }

        summary.Dwell = [.. dwell];
        summary.Recommendations = [.. recommendations
            .Where(r => r.Status is RecommendationStatus.Approved or RecommendationStatus.Rejected && r.DecidedAt is not null)
            .Select(r => ((r.DecidedAt!.Value - r.CreatedAt).Ticks, r.Status == RecommendationStatus.Rejected, r.Recommender.Type == ActorType.AiAgent))];
        var index = UpperBound(series.Ended, summary.EndedAtTicks, static x => x.EndedAtTicks);
        series.Ended.Insert(index, summary);
    }

    /// <summary>Computes the metrics of a loop over [from, to).</summary>
    public LoopMetrics Compute(string orgId, string loopId, DateTimeOffset from, DateTimeOffset to)
    {
        _series.TryGetValue((orgId, loopId), out var series);
        series ??= new Series();
        var fromTicks = from.UtcTicks;
        var toTicks = to.UtcTicks;

        var byStatus = Enum.GetValues<LoopStatus>().ToDictionary(s => s, _ => 0L);
        foreach (var live in series.Instances.Values)
        {
            if (live.OpenedAt.UtcTicks >= fromTicks && live.OpenedAt.UtcTicks < toTicks)
            {
                byStatus[live.Status]++;
            }
        }

        var start = LowerBound(series.Ended, fromTicks, static x => x.EndedAtTicks);
        var end = LowerBound(series.Ended, toTicks, static x => x.EndedAtTicks);
        var closeTimes = new List<long>(Math.Max(0, end - start));
        long ended = 0, exceptions = 0, aiRecApproved = 0;
        var byActor = new long[ActorTypeSlots];
        var states = new Dictionary<string, (long Visits, long Ticks)>(StringComparer.Ordinal);
        var latencies = new List<long>();
        long aiDecided = 0, aiRejected = 0;
        for (var i = start; i < end; i++)
        {
            var l = series.Ended[i];
            ended++;
            if (l.Status == LoopStatus.Closed)
            {
                closeTimes.Add(l.CloseTimeTicks);
            }

            if (l.IsException)
            {
                exceptions++;
            }

            for (var t = 0; t < byActor.Length; t++)
            {
                byActor[t] += l.ByActorType[t];
            }

            aiRecApproved += l.AiRecommendedApproved;
            foreach (var (state, ticks) in l.Dwell)
            {
                var current = states.GetValueOrDefault(state);
                states[state] = (current.Visits + 1, current.Ticks + ticks);
            }

            foreach (var (latency, rejected, ai) in l.Recommendations)
            {
                latencies.Add(latency);
                if (ai)
                {
                    aiDecided++;
                    aiRejected += rejected ? 1 : 0;
                }
            }
        }

        var executed = byActor.Sum();
        var human = byActor[(int)ActorType.Human];
        var aiActed = executed - human;
        closeTimes.Sort();
        latencies.Sort();
        var requests = LowerBound(series.Requests, toTicks, static x => x) - LowerBound(series.Requests, fromTicks, static x => x);
        var blocked = LowerBound(series.Blocked, toTicks, static x => x) - LowerBound(series.Blocked, fromTicks, static x => x);

        return new LoopMetrics
        {
            OrgId = orgId,
            LoopId = loopId,
            From = from,
            To = to,
            CountByStatus = byStatus,
            EndedCount = ended,
            Completions = closeTimes.Count,
            AverageCloseTime = closeTimes.Count == 0 ? null : TimeSpan.FromTicks((long)closeTimes.Average()),
            MedianCloseTime = Median(closeTimes),
            P95CloseTime = NearestRank(closeTimes, 0.95),
            ExceptionCount = exceptions,
            ExceptionRate = Ratio(exceptions, ended),
            ExecutedTransitions = executed,
            AiActedTransitions = aiActed,
            HumanApprovedTransitions = human,
            AiActedShare = Ratio(aiActed, executed),
            HumanApprovedShare = Ratio(human, executed),
            TransitionsByActorType = ActorTypes.All.ToDictionary(t => t, t => byActor[(int)t]),
            AiRecommendedApprovedTransitions = aiRecApproved,
            DecidedRecommendations = latencies.Count,
            AverageApprovalLatency = latencies.Count == 0 ? null : TimeSpan.FromTicks((long)latencies.Average()),
            MedianApprovalLatency = Median(latencies),
            OverrideRate = Ratio(aiRejected, aiDecided),
            TimeInState = states.ToDictionary(p => p.Key, p => new StateTime(p.Value.Visits, TimeSpan.FromTicks(p.Value.Ticks)), StringComparer.Ordinal),
            TransitionRequests = requests,
            BlockedRequests = blocked,
            GuardFailureRate = Ratio(blocked, requests),
            CompletionsPerDay = PerDay(series.Ended, start, end, from, to),
        };
    }

    internal static TimeSpan? Median(List<long> sorted) => sorted.Count == 0 ? null
        : TimeSpan.FromTicks(sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2);

    internal static TimeSpan? NearestRank(List<long> sorted, double p) => sorted.Count == 0 ? null
        : TimeSpan.FromTicks(sorted[Math.Max(0, (int)Math.Ceiling(p * sorted.Count) - 1)]);

    private static double? Ratio(long numerator, long denominator) => denominator == 0 ? null : (double)numerator / denominator;

    private static List<PeriodCount> PerDay(List<EndedLoop> ended, int start, int end, DateTimeOffset from, DateTimeOffset to)
    {
        var days = new List<PeriodCount>();
        var day = new DateTimeOffset(from.UtcDateTime.Date, TimeSpan.Zero);
        var i = start;
        while (day < to)
        {
            var next = day.AddDays(1);
            long count = 0;
            for (; i < end && ended[i].EndedAtTicks < next.UtcTicks; i++)
            {
                count += ended[i].Status == LoopStatus.Closed ? 1 : 0;
            }

            days.Add(new PeriodCount(day, count));
            day = next;
        }

        return days;
    }

    private static void Insert(List<long> sorted, long ticks) => sorted.Insert(UpperBound(sorted, ticks, static x => x), ticks);

    private static int LowerBound<T>(List<T> list, long key, Func<T, long> selector)
    {
        int lo = 0, hi = list.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (selector(list[mid]) < key)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    private static int UpperBound<T>(List<T> list, long key, Func<T, long> selector)
    {
        int lo = 0, hi = list.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (selector(list[mid]) <= key)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    private Series SeriesFor(string orgId, string loopId)
    {
        if (!_series.TryGetValue((orgId, loopId), out var series))
        {
            series = new Series();
            _series[(orgId, loopId)] = series;
        }

        return series;
    }

    private sealed class Series
    {
        public Dictionary<string, LiveLoop> Instances { get; } = new(StringComparer.Ordinal);

        public List<EndedLoop> Ended { get; } = [];

        public List<long> Requests { get; } = [];

        public List<long> Blocked { get; } = [];

        public LiveLoop Live(string aggregateId, DateTimeOffset openedAt)
        {
            if (!Instances.TryGetValue(aggregateId, out var live))
            {
                live = new LiveLoop { OpenedAt = openedAt };
                Instances[aggregateId] = live;
            }

            return live;
        }
    }

    private sealed class LiveLoop
    {
        public DateTimeOffset OpenedAt { get; set; }

        public LoopStatus Status { get; set; } = LoopStatus.Open;

        public bool Breached { get; set; }

        public bool Ended { get; set; }

        /// <summary>Gets or sets a value indicating whether the loop's start event was applied (so every later event of it was too).</summary>
        public bool SawStart { get; set; }

        /// <summary>Gets or sets a value indicating whether a recommendation event of the loop was applied.</summary>
        public bool Recommended { get; set; }
    }

    private sealed class EndedLoop
    {
        public long EndedAtTicks { get; init; }

        public long CloseTimeTicks { get; init; }

        public LoopStatus Status { get; init; }

        public bool IsException { get; init; }

        public required int[] ByActorType { get; init; }

        public int AiRecommendedApproved { get; set; }

        public (string State, long Ticks)[] Dwell { get; set; } = [];

        public (long LatencyTicks, bool Rejected, bool ByAi)[] Recommendations { get; set; } = [];
    }
}
