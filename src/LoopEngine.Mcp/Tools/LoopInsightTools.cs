using System.ComponentModel;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using LoopEngine.Metrics;
using LoopEngine.Signals;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace LoopEngine.Mcp;

/// <summary>
/// The read-only insight tools: live signals and loop metrics, in the configured org. They are always listed; when the
/// host has not registered the signal engine (<c>AddLoopEngineSignals</c>) or the metrics service
/// (<c>AddLoopEngineLearning</c>), the call is a tool error saying what to register.
/// </summary>
[McpServerToolType]
internal sealed class LoopInsightTools(LoopGateway gateway, IServiceProvider services)
{
    /// <summary>The longest metrics window a call accepts.</summary>
    public const int MaxWindowDays = 366;

    private const int DefaultSignalLimit = 20;
    private const int DefaultWindowDays = 30;

    /// <summary>The most recent signals scanned to apply the filters.</summary>
    private const int MaxSignalScan = 10_000;

    [McpServerTool(Name = "list_signals", Title = "List live signals", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("Lists the most recent emitted signals (the live view), newest first: type, subject keys (for example sku and location), confidence, the threshold in force, age, and the loop each triggered or joined. Filter by signal type and minimum confidence.")]
    public async Task<CallToolResult> ListSignalsAsync(
        [Description("Only signals of this type (for example 'DEMAND_SPIKE'); omit for all types.")] string? signal_type = null,
        [Description("Only signals with at least this confidence, 0 to 1 (default 0: all).")] double min_confidence = 0,
        [Description("How many signals to return, 1 to the gateway's maximum page size (default 20).")] int? limit = null,
        CancellationToken cancellationToken = default)
    {
        var engine = services.GetService<ISignalEngine>();
        var store = services.GetService<ISignalStore>();
        if (engine is null || store is null)
        {
            throw new McpException("list_signals needs the signal engine, which this gateway's host has not registered. Register it with services.AddLoopEngineSignals(b => b.AddSignal(ScmSignals.DemandSpike()).AddTrigger(ScmSignals.ReplenishmentTrigger())) (namespace LoopEngine.Signals).");
        }

        var types = engine.Definitions.Select(d => d.Type).ToList();
        string? type = null;
        if (!string.IsNullOrEmpty(signal_type))
        {
            type = types.FirstOrDefault(t => string.Equals(t, signal_type, StringComparison.Ordinal))
                ?? throw new McpException($"Signal type '{LoopGateway.Printable(signal_type)}' is not defined. Defined signal types are: {(types.Count == 0 ? "none" : string.Join(", ", types))}.");
        }

        if (double.IsNaN(min_confidence) || min_confidence < 0 || min_confidence > 1)
        {
            throw new McpException($"min_confidence {min_confidence.ToString(CultureInfo.InvariantCulture)} is outside the valid range 0 to 1.");
        }

        var size = limit ?? Math.Min(DefaultSignalLimit, gateway.MaxPageSize);
        if (size < 1 || size > gateway.MaxPageSize)
        {
            throw new McpException($"limit {size} is outside the valid range 1 to {gateway.MaxPageSize}.");
        }

        // Recent signals of every org and type come first; scan more of them until enough match or none are left.
        var matched = new List<Signal>();
        var scan = Math.Min(size * 4, MaxSignalScan);
        while (true)
        {
            var recent = await store.ListRecentSignalsAsync(scan, false, cancellationToken).ConfigureAwait(false);
            matched = [.. recent.Where(s => string.Equals(s.OrgId, gateway.Org, StringComparison.Ordinal)
                && (type is null || string.Equals(s.Type, type, StringComparison.Ordinal))
                && s.Confidence >= min_confidence).Take(size)];
            if (matched.Count >= size || recent.Count < scan || scan >= MaxSignalScan)
            {
                break;
            }

            scan = Math.Min(scan * 4, MaxSignalScan);
        }

        var now = gateway.Time.GetUtcNow();
        var items = new JsonArray();
        var text = new StringBuilder().Append(CultureInfo.InvariantCulture, $"{matched.Count} live signal(s)")
            .Append(type is null ? string.Empty : $" of type {type}")
            .Append(min_confidence > 0 ? string.Create(CultureInfo.InvariantCulture, $" with confidence >= {min_confidence:0.##}") : string.Empty)
            .Append(':');
        foreach (var signal in matched)
        {
            var age = now - signal.DetectedAt;
            var subject = new JsonObject();
            foreach (var (key, value) in signal.Subject)
            {
                subject[key] = value;
            }

            var attributes = new JsonObject();
            foreach (var (key, value) in signal.Attributes)
            {
                attributes[key] = value;
            }

            items.Add(new JsonObject
            {
                ["signalId"] = signal.Id,
                ["type"] = signal.Type,
                ["subject"] = subject,
                ["subjectText"] = signal.SubjectText,
                ["confidence"] = Math.Round(signal.Confidence, 4),
                ["threshold"] = Math.Round(signal.Threshold, 4),
                ["occurredAt"] = GatewayJson.Time(signal.OccurredAt),
                ["detectedAt"] = GatewayJson.Time(signal.DetectedAt),
                ["ageMs"] = (long)Math.Max(0, age.TotalMilliseconds),
                ["age"] = GatewayJson.Elapsed(age),
                ["attributes"] = attributes,
                ["loopId"] = signal.LoopId,
                ["aggregateId"] = signal.AggregateId,
                ["openedLoop"] = signal.OpenedLoop,
                ["label"] = signal.Label?.ToString(),
            });
            text.Append(CultureInfo.InvariantCulture, $"\n- {signal.Type} {signal.SubjectText} conf: {signal.Confidence:0.00} {GatewayJson.Elapsed(age)} ago")
                .Append(signal.AggregateId is null ? ", no loop" : $", {(signal.OpenedLoop ? "triggered" : "joined")} {signal.LoopId} {signal.AggregateId}");
        }

        return GatewayJson.Result(text.ToString(), new JsonObject
        {
            ["signals"] = items,
            ["signalTypes"] = GatewayJson.Strings(types),
        });
    }

    [McpServerTool(Name = "get_loop_metrics", Title = "Get a loop's metrics", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("Computes one loop's metrics over a time window [from, to) (default: the last 30 days): loops opened by status, completions, average/median/p95 close time, exception rate, AI-acted and human-approved shares of executed transitions, approval latency, override rate of AI recommendations, guard failure rate, time in state, and completions per day.")]
    public async Task<CallToolResult> GetLoopMetricsAsync(
        [Description("The loop id, 'domain.name' (for example 'scm.procurement'). See list_loop_definitions.")] string loop_id,
        [Description("The window's start (inclusive), an ISO 8601 date or time such as '2026-01-15' or '2026-01-15T00:00:00Z' (UTC unless an offset is given); omit for 30 days before 'to'.")] string? from = null,
        [Description("The window's end (exclusive), an ISO 8601 date or time (UTC unless an offset is given); omit for now. The window may span at most 366 days.")] string? to = null,
        CancellationToken cancellationToken = default)
    {
        var metricsService = services.GetService<ILoopMetricsService>()
            ?? throw new McpException("get_loop_metrics needs the loop metrics service, which this gateway's host has not registered. Register it with services.AddLoopEngineLearning() (it adds ILoopMetricsService, namespace LoopEngine.Metrics).");
        var definition = gateway.RequireDefinition(loop_id);
        var end = ParseTime(to, "to") ?? gateway.Time.GetUtcNow();
        var start = ParseTime(from, "from") ?? end.AddDays(-DefaultWindowDays);
        if (start >= end)
        {
            throw new McpException($"from {GatewayJson.Time(start)} must be before to {GatewayJson.Time(end)}.");
        }

        if (end - start > TimeSpan.FromDays(MaxWindowDays))
        {
            throw new McpException($"The window from {GatewayJson.Time(start)} to {GatewayJson.Time(end)} spans {(end - start).TotalDays.ToString("0.#", CultureInfo.InvariantCulture)} days; the longest window is {MaxWindowDays} days.");
        }

        var m = await metricsService.ComputeAsync(gateway.Org, definition.Id, start, end, cancellationToken).ConfigureAwait(false);
        var byStatus = new JsonObject();
        foreach (var status in Enum.GetValues<LoopStatus>())
        {
            byStatus[status.ToString()] = m.CountByStatus.TryGetValue(status, out var count) ? count : 0;
        }

        var byActor = new JsonObject();
        foreach (var (actorType, count) in m.TransitionsByActorType.OrderBy(p => p.Key))
        {
            byActor[actorType.ToWireName()] = count;
        }

        var timeInState = new JsonObject();
        foreach (var (state, time) in m.TimeInState.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            timeInState[state] = new JsonObject { ["visits"] = time.Visits, ["total"] = Duration(time.Total), ["average"] = Duration(time.Average) };
        }

        var text = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"{m.LoopId} metrics from {GatewayJson.Time(m.From)} to {GatewayJson.Time(m.To)}:\n")
            .Append(CultureInfo.InvariantCulture, $"Opened by status: {string.Join(", ", byStatus.Select(p => $"{p.Key} {p.Value}"))}\n")
            .Append(CultureInfo.InvariantCulture, $"Ended {m.EndedCount}, completions {m.Completions}; close time average {Readable(m.AverageCloseTime)}, median {Readable(m.MedianCloseTime)}, p95 {Readable(m.P95CloseTime)}\n")
            .Append(CultureInfo.InvariantCulture, $"Exception rate {Percent(m.ExceptionRate)} ({m.ExceptionCount} of {m.EndedCount})\n")
            .Append(CultureInfo.InvariantCulture, $"Executed transitions {m.ExecutedTransitions}: AI-acted {Percent(m.AiActedShare)}, human-approved {Percent(m.HumanApprovedShare)}\n")
            .Append(CultureInfo.InvariantCulture, $"Decided recommendations {m.DecidedRecommendations}: approval latency average {Readable(m.AverageApprovalLatency)}, median {Readable(m.MedianApprovalLatency)}; override rate {Percent(m.OverrideRate)}\n")
            .Append(CultureInfo.InvariantCulture, $"Guard failure rate {Percent(m.GuardFailureRate)} ({m.BlockedRequests} of {m.TransitionRequests} requests)");

        return GatewayJson.Result(text.ToString(), new JsonObject
        {
            ["orgId"] = m.OrgId,
            ["loopId"] = m.LoopId,
            ["from"] = GatewayJson.Time(m.From),
            ["to"] = GatewayJson.Time(m.To),
            ["countByStatus"] = byStatus,
            ["endedCount"] = m.EndedCount,
            ["completions"] = m.Completions,
            ["averageCloseTime"] = Duration(m.AverageCloseTime),
            ["medianCloseTime"] = Duration(m.MedianCloseTime),
            ["p95CloseTime"] = Duration(m.P95CloseTime),
            ["exceptionCount"] = m.ExceptionCount,
            ["exceptionRate"] = m.ExceptionRate,
            ["executedTransitions"] = m.ExecutedTransitions,
            ["aiActedTransitions"] = m.AiActedTransitions,
            ["humanApprovedTransitions"] = m.HumanApprovedTransitions,
            ["aiActedShare"] = m.AiActedShare,
            ["humanApprovedShare"] = m.HumanApprovedShare,
            ["transitionsByActorType"] = byActor,
            ["aiRecommendedApprovedTransitions"] = m.AiRecommendedApprovedTransitions,
            ["decidedRecommendations"] = m.DecidedRecommendations,
            ["averageApprovalLatency"] = Duration(m.AverageApprovalLatency),
            ["medianApprovalLatency"] = Duration(m.MedianApprovalLatency),
            ["overrideRate"] = m.OverrideRate,
            ["transitionRequests"] = m.TransitionRequests,
            ["blockedRequests"] = m.BlockedRequests,
            ["guardFailureRate"] = m.GuardFailureRate,
            ["timeInState"] = timeInState,
            ["completionsPerDay"] = new JsonArray([.. m.CompletionsPerDay.Select(p => (JsonNode)new JsonObject
            {
                ["day"] = p.Start.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                ["completions"] = p.Count,
            })]),
        });
    }

    private static DateTimeOffset? ParseTime(string? value, string parameter)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        if (value.Length <= 64 && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            return time;
        }

        throw new McpException($"{parameter} '{LoopGateway.Printable(value)}' is not a date or time. Pass ISO 8601, such as '2026-01-15' or '2026-01-15T00:00:00Z'.");
    }

    private static JsonObject? Duration(TimeSpan? duration) => duration is { } d
        ? new JsonObject { ["ms"] = (long)d.TotalMilliseconds, ["iso"] = GatewayJson.Iso(d), ["text"] = GatewayJson.Elapsed(d) }
        : null;

    private static string Readable(TimeSpan? duration) => duration is { } d ? GatewayJson.Elapsed(d) : "n/a";

    private static string Percent(double? rate) => rate is { } r ? r.ToString("0.#%", CultureInfo.InvariantCulture) : "n/a";
}
