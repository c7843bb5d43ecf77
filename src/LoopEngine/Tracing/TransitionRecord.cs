namespace LoopEngine;

/// <summary>
/// One entry of a loop's append-only, hash-chained trace. The start is record 1 (<c>$start</c>); every executed
/// transition, cancellation, failure and migration follows, so an instance can be rebuilt from its trace alone.
/// The canonical JSON that is hashed is specified in <c>docs/trace-format.md</c>.
/// </summary>
public sealed record TransitionRecord
{
    // Both hashes are kept as their 32 bytes (TraceHash) and written as hex text when read.
    private TraceHash? _hash = TraceHash.Empty;
    private TraceHash? _previousHash = TraceHash.Genesis;

    // The fields most records leave empty (causation, soft-guard warnings, an approved recommendation), held together and
    // only when one is set; and the time packed (PackedTime).
    // Stores keep every record, the in-memory store as this object: 40 bytes less each.
    private Extras? _extras;
    private long _occurredTicks;
    private short _occurredOffset;

    /// <summary>The previous hash of record 1: 64 zeros.</summary>
    public const string GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";

    /// <summary>Gets the org.</summary>
    public required string OrgId { get; init; }

    /// <summary>Gets the loop id.</summary>
    public required string LoopId { get; init; }

    /// <summary>Gets the definition version the instance was on when the record was written.</summary>
    public required string DefinitionVersion { get; init; }

    /// <summary>Gets the aggregate id.</summary>
    public required string AggregateId { get; init; }

    /// <summary>Gets the sequence: gapless from 1.</summary>
    public required long Sequence { get; init; }

    /// <summary>Gets the transition id (or a reserved id such as <c>$start</c>).</summary>
    public required string TransitionId { get; init; }

    /// <summary>Gets the state left, or <see langword="null"/> for the start.</summary>
    public string? FromState { get; init; }

    /// <summary>Gets the state entered.</summary>
    public required string ToState { get; init; }

    /// <summary>Gets the actor who executed the step (for an approval, the approver).</summary>
    public required Actor Actor { get; init; }

    /// <summary>Gets when the step happened (UTC, whole milliseconds).</summary>
    public required DateTimeOffset OccurredAt
    {
        get => PackedTime.Unpack(_occurredTicks, _occurredOffset);
        init => (_occurredTicks, _occurredOffset) = PackedTime.Pack(value);
    }

    /// <summary>Gets the evidence (for an approval, the approver's evidence).</summary>
    public required Evidence Evidence { get; init; }

    /// <summary>Gets the correlation id.</summary>
    public required string CorrelationId { get; init; }

    /// <summary>Gets the causation id, or <see langword="null"/>.</summary>
    public string? CausationId
    {
        get => _extras?.CausationId;
        init => _extras = value is null && _extras is null ? null : Extras.Normalize((_extras ?? Extras.None) with { CausationId = value });
    }

    /// <summary>Gets the soft guards that failed and let the step through.</summary>
    public IReadOnlyList<GuardWarning> Warnings
    {
        get => _extras?.Warnings ?? [];
        init => _extras = ReferenceEquals(value, Array.Empty<GuardWarning>()) && _extras is null ? null : Extras.Normalize((_extras ?? Extras.None) with { Warnings = value });
    }

    /// <summary>Gets the approved recommendation's id, or <see langword="null"/>.</summary>
    public string? RecommendationId
    {
        get => _extras?.RecommendationId;
        init => _extras = value is null && _extras is null ? null : Extras.Normalize((_extras ?? Extras.None) with { RecommendationId = value });
    }

    /// <summary>Gets the actor who recommended the step (with an agent's model and confidence), or <see langword="null"/>.</summary>
    public Actor? Recommender
    {
        get => _extras?.Recommender;
        init => _extras = value is null && _extras is null ? null : Extras.Normalize((_extras ?? Extras.None) with { Recommender = value });
    }

    /// <summary>Gets the recommender's evidence, or <see langword="null"/>.</summary>
    public Evidence? RecommendationEvidence
    {
        get => _extras?.RecommendationEvidence;
        init => _extras = value is null && _extras is null ? null : Extras.Normalize((_extras ?? Extras.None) with { RecommendationEvidence = value });
    }

    /// <summary>Gets the previous record's hash (<see cref="GenesisHash"/> for record 1).</summary>
    public required string PreviousHash
    {
        get => _previousHash?.ToString()!;
        init => _previousHash = TraceHash.Parse(value);
    }

    /// <summary>Gets this record's hash: SHA-256 over the canonical JSON of every other field, in lowercase hex.</summary>
    public required string Hash
    {
        get => _hash?.ToString()!;
        init => _hash = TraceHash.Parse(value);
    }

    /// <summary>Gets this record's hash as held (32 bytes, or a verbatim text that is not 64 lowercase hex digits).</summary>
    internal TraceHash? HashValue => _hash;

    /// <summary>Gets or sets the previous hash as held; the engine links a new record to its instance's head without text.</summary>
    internal TraceHash? PreviousHashValue
    {
        get => _previousHash;
        init => _previousHash = value;
    }

    /// <summary>Sets the hash of a record the engine has just built and not yet shared (saves a copy per record).</summary>
    internal void SetHash(TraceHash hash) => _hash = hash;

    /// <summary>The rarely set fields; never all empty (then the record holds none), so equal records hold equal extras.</summary>
    private sealed record Extras(string? CausationId, IReadOnlyList<GuardWarning> Warnings, string? RecommendationId, Actor? Recommender, Evidence? RecommendationEvidence)
    {
        public static readonly Extras None = new(null, Array.Empty<GuardWarning>(), null, null, null);

        public static Extras? Normalize(Extras extras) => extras == None ? null : extras;
    }
}
