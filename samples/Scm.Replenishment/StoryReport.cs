namespace Scm.Replenishment;

/// <summary>Everything the story shows, read back from the store.</summary>
public sealed record StoryReport
{
    public required string Store { get; init; }

    public required IReadOnlyList<RawEventLine> RawEvents { get; init; }

    public required SignalLine Signal { get; init; }

    public required LoopReport Replenishment { get; init; }

    public required LoopReport Procurement { get; init; }

    public required PendingLine Pending { get; init; }

    public required IReadOnlyList<OutcomeLine> Outcome { get; init; }

    public required bool StockoutOccurred { get; init; }

    public required NextLoopLine NextLoop { get; init; }

    public required MetricsPanel Metrics { get; init; }

    public IReadOnlyList<(string LoopId, string Mermaid)> Diagrams { get; init; } = [];
}

public sealed record RawEventLine(string Type, string Subject, string Payload);

public sealed record SignalLine(string Type, string Sku, string Location, double Confidence, double OnHand, double ReorderPoint, string LoopId, string AggregateId);

public sealed record TraceLine(string From, string To, TimeSpan Elapsed, string Actor, string ActorType, string? Recommender);

public sealed record LoopReport(string LoopId, string Version, string AggregateId, string Status, string CorrelationId, string? ParentAggregateId, IReadOnlyList<TraceLine> Trace, string Verification);

public sealed record PendingLine(string State, string Recommender, string RecommenderType, string Transition, string Evidence, string Status);

public sealed record OutcomeLine(string Attribute, string Predicted, string Actual, string Delta);

public sealed record NextLoopLine(string AggregateId, string EstimateKey, double PreviousDays, double EstimateDays);

public sealed record MetricsPanel(
    string LoopId,
    int Days,
    int LoopsSimulated,
    double? AverageCloseDays,
    double? ExceptionRate,
    double? AiActedShare,
    double? HumanApprovedShare,
    IReadOnlyDictionary<string, long> CountByStatus,
    IReadOnlyList<string> LiveSignals);
