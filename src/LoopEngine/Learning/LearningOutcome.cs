using System.Text.Json;

namespace LoopEngine.Learning;

/// <summary>The outcome part of a learning record.</summary>
public sealed record LearningOutcome
{
    /// <summary>Gets the outcome id.</summary>
    public required string OutcomeId { get; init; }

    /// <summary>Gets the value unit.</summary>
    public required string ValueUnit { get; init; }

    /// <summary>Gets when it was recorded.</summary>
    public required DateTimeOffset RecordedAt { get; init; }

    /// <summary>Gets the business metrics.</summary>
    public IReadOnlyList<LearningMetric> Metrics { get; init; } = [];
}
