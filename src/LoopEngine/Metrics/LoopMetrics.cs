using System.Globalization;

namespace LoopEngine.Metrics;

/// <summary>
/// A loop's metrics over a time window [<see cref="From"/>, <see cref="To"/>). Each figure's numerator and denominator
/// are defined in <c>docs/metrics.md</c>. Rates and shares are fractions in [0, 1], <see langword="null"/> when their
/// denominator is 0.
/// </summary>
public sealed record LoopMetrics
{
    /// <summary>Gets the org.</summary>
    public required string OrgId { get; init; }

    /// <summary>Gets the loop id.</summary>
    public required string LoopId { get; init; }

    /// <summary>Gets the window's start (inclusive).</summary>
    public required DateTimeOffset From { get; init; }

    /// <summary>Gets the window's end (exclusive).</summary>
    public required DateTimeOffset To { get; init; }

    /// <summary>Gets the loops opened in the window, by their current status.</summary>
    public required IReadOnlyDictionary<LoopStatus, long> CountByStatus { get; init; }

    /// <summary>Gets the loops that ended (closed, error or cancelled) in the window.</summary>
    public required long EndedCount { get; init; }

    /// <summary>Gets the loops that closed (reached a terminal state) in the window: the billable completions.</summary>
    public required long Completions { get; init; }

    /// <summary>Gets the average close time (closed − opened) of the loops that closed in the window.</summary>
    public TimeSpan? AverageCloseTime { get; init; }

    /// <summary>Gets the median close time (the mean of the two middle values for an even count).</summary>
    public TimeSpan? MedianCloseTime { get; init; }

    /// <summary>Gets the 95th percentile close time (nearest rank: the ⌈0.95·n⌉-th smallest).</summary>
    public TimeSpan? P95CloseTime { get; init; }

    /// <summary>Gets the loops that ended in the window in an error state or after breaching an SLA.</summary>
    public required long ExceptionCount { get; init; }

    /// <summary>Gets <see cref="ExceptionCount"/> / <see cref="EndedCount"/>.</summary>
    public double? ExceptionRate { get; init; }

    /// <summary>Gets the executed transitions (reserved <c>$</c> records excluded) of the loops that ended in the window.</summary>
    public required long ExecutedTransitions { get; init; }

    /// <summary>Gets the executed transitions whose executing actor is not a human (ai-agent, automation, system, webhook).</summary>
    public required long AiActedTransitions { get; init; }

    /// <summary>Gets the executed transitions executed by a human (directly, or approving a recommendation).</summary>
    public required long HumanApprovedTransitions { get; init; }

    /// <summary>Gets <see cref="AiActedTransitions"/> / <see cref="ExecutedTransitions"/>.</summary>
    public double? AiActedShare { get; init; }

    /// <summary>Gets <see cref="HumanApprovedTransitions"/> / <see cref="ExecutedTransitions"/>; with <see cref="AiActedShare"/> it sums to 1.</summary>
    public double? HumanApprovedShare { get; init; }

    /// <summary>Gets the executed transitions by the executing actor's type.</summary>
    public required IReadOnlyDictionary<ActorType, long> TransitionsByActorType { get; init; }

    /// <summary>Gets the executed transitions that approved an AI agent's recommendation (a subset of <see cref="HumanApprovedTransitions"/> when the approver is human).</summary>
    public required long AiRecommendedApprovedTransitions { get; init; }

    /// <summary>Gets the recommendations of the loops that ended in the window that were approved or rejected.</summary>
    public required long DecidedRecommendations { get; init; }

    /// <summary>Gets the average approval latency (decided − created) of <see cref="DecidedRecommendations"/>.</summary>
    public TimeSpan? AverageApprovalLatency { get; init; }

    /// <summary>Gets the median approval latency.</summary>
    public TimeSpan? MedianApprovalLatency { get; init; }

    /// <summary>Gets the AI agents' recommendations rejected / AI agents' recommendations approved or rejected.</summary>
    public double? OverrideRate { get; init; }

    /// <summary>Gets the time spent in each state left, over the loops that ended in the window.</summary>
    public required IReadOnlyDictionary<string, StateTime> TimeInState { get; init; }

    /// <summary>Gets the transition requests in the window (<c>loop.transition.requested</c> events).</summary>
    public required long TransitionRequests { get; init; }

    /// <summary>Gets the requests blocked in the window (<c>loop.transition.blocked</c> events, guard failures included).</summary>
    public required long BlockedRequests { get; init; }

    /// <summary>Gets <see cref="BlockedRequests"/> / <see cref="TransitionRequests"/>.</summary>
    public double? GuardFailureRate { get; init; }

    /// <summary>Gets the completions per UTC day of the window, the days without completions included.</summary>
    public required IReadOnlyList<PeriodCount> CompletionsPerDay { get; init; }

    /// <summary>Writes <see cref="CompletionsPerDay"/> as CSV (<c>org_id,loop_id,day,completions</c>), the billable export.</summary>
    /// <param name="writer">The destination.</param>
    public void WriteCompletionsCsv(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write("org_id,loop_id,day,completions\r\n");
        foreach (var p in CompletionsPerDay)
        {
            writer.Write(string.Create(CultureInfo.InvariantCulture, $"{OrgId},{LoopId},{p.Start:yyyy-MM-dd},{p.Count}\r\n"));
        }
    }
}
