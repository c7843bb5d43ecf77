using System.Text.Json;

namespace LoopEngine.Learning;

/// <summary>One step of a learning record: a trace record with its attribution and timing.</summary>
public sealed record LearningStep
{
    /// <summary>Gets the sequence (1 is the start).</summary>
    public required long Sequence { get; init; }

    /// <summary>Gets the transition id (or a reserved id such as <c>$start</c>).</summary>
    public required string TransitionId { get; init; }

    /// <summary>Gets the state left, or <see langword="null"/> for the start.</summary>
    public string? FromState { get; init; }

    /// <summary>Gets the state entered.</summary>
    public required string ToState { get; init; }

    /// <summary>Gets the executing actor's type (wire name: <c>human</c>, <c>ai-agent</c>...).</summary>
    public required string ActorType { get; init; }

    /// <summary>Gets the executing actor's id (for an approved recommendation, the approver).</summary>
    public required string ActorId { get; init; }

    /// <summary>Gets an agent's model id, or <see langword="null"/>.</summary>
    public string? ModelId { get; init; }

    /// <summary>Gets an agent's confidence, or <see langword="null"/>.</summary>
    public double? Confidence { get; init; }

    /// <summary>Gets the recommender's type when the step was an approved recommendation, or <see langword="null"/>.</summary>
    public string? RecommenderType { get; init; }

    /// <summary>Gets the recommender's id, or <see langword="null"/>.</summary>
    public string? RecommenderId { get; init; }

    /// <summary>Gets the approved recommendation's id, or <see langword="null"/>.</summary>
    public string? RecommendationId { get; init; }

    /// <summary>Gets the approver's id (the executing actor of an approved recommendation), or <see langword="null"/>.</summary>
    public string? ApproverId { get; init; }

    /// <summary>Gets when the step happened.</summary>
    public required DateTimeOffset OccurredAt { get; init; }

    /// <summary>Gets the milliseconds since the previous step (the time spent in <see cref="FromState"/>); 0 for the start.</summary>
    public required long ElapsedMs { get; init; }

    /// <summary>Gets the evidence.</summary>
    public required JsonElement Evidence { get; init; }

    /// <summary>Gets the recommender's evidence, or <see langword="null"/>.</summary>
    public JsonElement? RecommendationEvidence { get; init; }

    /// <summary>Gets the ids of soft guards that failed and let the step through.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}
