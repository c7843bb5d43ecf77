using System.Text.Json;

namespace LoopEngine.Learning;

/// <summary>
/// An ended loop as training data: its transition history with evidence, actor attribution and timing, the signal that
/// caused it, and its outcome's predicted/actual/Δ. One line of the JSON Lines export (<c>docs/learning.md</c>).
/// </summary>
public sealed record LearningRecord
{
    /// <summary>Gets the org.</summary>
    public required string OrgId { get; init; }

    /// <summary>Gets the loop id.</summary>
    public required string LoopId { get; init; }

    /// <summary>Gets the definition version.</summary>
    public required string DefinitionVersion { get; init; }

    /// <summary>Gets the aggregate id.</summary>
    public required string AggregateId { get; init; }

    /// <summary>Gets the correlation id.</summary>
    public required string CorrelationId { get; init; }

    /// <summary>Gets the status it ended with (<c>closed</c>, <c>error</c>, <c>cancelled</c>).</summary>
    public required string Status { get; init; }

    /// <summary>Gets the state it ended in.</summary>
    public required string FinalState { get; init; }

    /// <summary>Gets when it opened.</summary>
    public required DateTimeOffset OpenedAt { get; init; }

    /// <summary>Gets when it ended.</summary>
    public required DateTimeOffset ClosedAt { get; init; }

    /// <summary>Gets how long it ran, in milliseconds.</summary>
    public required long DurationMs { get; init; }

    /// <summary>Gets the causation id of the start record (the signal or message that opened the loop), or <see langword="null"/>.</summary>
    public string? CausedBy { get; init; }

    /// <summary>Gets the start record's evidence (the signal's payload).</summary>
    public JsonElement? CauseEvidence { get; init; }

    /// <summary>Gets the steps: every trace record, the start included, in sequence order.</summary>
    public IReadOnlyList<LearningStep> Steps { get; init; } = [];

    /// <summary>Gets the milliseconds spent in each state left before the loop ended, summed over visits.</summary>
    public IReadOnlyDictionary<string, long> TimeInStateMs { get; init; } = new Dictionary<string, long>();

    /// <summary>Gets the recorded outcome, or <see langword="null"/> when none was recorded.</summary>
    public LearningOutcome? Outcome { get; init; }
}
