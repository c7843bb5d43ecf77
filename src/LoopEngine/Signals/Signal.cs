namespace LoopEngine.Signals;

/// <summary>A scored signal: its type, subject, confidence, the threshold used, attributes, and what became of it. Immutable.</summary>
public sealed record Signal
{
    /// <summary>Gets the id: <c>sig_{type}_{eventId}</c>, deterministic so a replayed event yields the same signal.</summary>
    public required string Id { get; init; }

    /// <summary>Gets the signal type.</summary>
    public required string Type { get; init; }

    /// <summary>Gets the org.</summary>
    public required string OrgId { get; init; }

    /// <summary>Gets the subject keys and values.</summary>
    public required IReadOnlyDictionary<string, string> Subject { get; init; }

    /// <summary>Gets the confidence in [0, 1].</summary>
    public required double Confidence { get; init; }

    /// <summary>Gets the threshold in force when it was scored.</summary>
    public required double Threshold { get; init; }

    /// <summary>Gets the attributes carried (feature values such as <c>on_hand</c> and <c>reorder_point</c>).</summary>
    public required IReadOnlyDictionary<string, double> Attributes { get; init; }

    /// <summary>Gets when the triggering event occurred.</summary>
    public required DateTimeOffset OccurredAt { get; init; }

    /// <summary>Gets when the signal was scored (the engine's clock).</summary>
    public required DateTimeOffset DetectedAt { get; init; }

    /// <summary>Gets whether it was emitted or only stored for labelling.</summary>
    public required SignalStatus Status { get; init; }

    /// <summary>Gets the id of the raw event that triggered it.</summary>
    public required string EventId { get; init; }

    /// <summary>Gets the loop id it triggered or was attached to, or <see langword="null"/>.</summary>
    public string? LoopId { get; init; }

    /// <summary>Gets the aggregate id it triggered or was attached to, or <see langword="null"/>.</summary>
    public string? AggregateId { get; init; }

    /// <summary>Gets whether it opened the loop (<see langword="true"/>) or was attached to one already open.</summary>
    public bool OpenedLoop { get; init; }

    /// <summary>Gets its label, or <see langword="null"/> while unlabelled.</summary>
    public SignalLabel? Label { get; init; }

    /// <summary>Gets the subject as text: the values in key order joined by <c>@</c> (<c>BRS-001@DC-East</c>).</summary>
    public string SubjectText => string.Join('@', Subject.Values);
}
