namespace LoopEngine;

/// <summary>A snapshot of one running (or ended) loop for one aggregate. Immutable; stores persist it.</summary>
public sealed record LoopInstance
{
    // The head hash is kept as its 32 bytes and written as hex text when read.
    private TraceHash? _headHash;

    // The three times packed (PackedTime: the in-memory store keeps every open instance for its whole life, and the engine
    // makes one per transition).
    private long _openedTicks;
    private long _updatedTicks;
    private long _closedTicks;
    private short _openedOffset;
    private short _updatedOffset;
    private short _closedOffset = PackedTime.NoTime;

    /// <summary>Gets the org (tenant) the instance belongs to.</summary>
    public required string OrgId { get; init; }

    /// <summary>Gets the loop id.</summary>
    public required string LoopId { get; init; }

    /// <summary>Gets the definition version the instance started with and stays on.</summary>
    public required string DefinitionVersion { get; init; }

    /// <summary>Gets the aggregate id (<c>PO-2026-0012</c>): unique within the org, never reused.</summary>
    public required string AggregateId { get; init; }

    /// <summary>Gets the current state.</summary>
    public required string CurrentState { get; init; }

    /// <summary>Gets the status.</summary>
    public required LoopStatus Status { get; init; }

    /// <summary>Gets the version: the sequence of the last trace record (1 after the start).</summary>
    public required long Version { get; init; }

    /// <summary>Gets the correlation id shared by related loops and events.</summary>
    public required string CorrelationId { get; init; }

    /// <summary>Gets when the loop was opened (UTC, millisecond precision).</summary>
    public required DateTimeOffset OpenedAt
    {
        get => PackedTime.Unpack(_openedTicks, _openedOffset);
        init => (_openedTicks, _openedOffset) = PackedTime.Pack(value);
    }

    /// <summary>Gets when the last trace record was written (UTC, millisecond precision).</summary>
    public required DateTimeOffset UpdatedAt
    {
        get => PackedTime.Unpack(_updatedTicks, _updatedOffset);
        init => (_updatedTicks, _updatedOffset) = PackedTime.Pack(value);
    }

    /// <summary>Gets when the loop closed, was cancelled or failed; otherwise <see langword="null"/>.</summary>
    public DateTimeOffset? ClosedAt
    {
        get => PackedTime.UnpackNullable(_closedTicks, _closedOffset);
        init => (_closedTicks, _closedOffset) = PackedTime.Pack(value);
    }

    /// <summary>Gets the hash of the last trace record (the head of the chain).</summary>
    public required string HeadHash
    {
        get => _headHash?.ToString()!;
        init => _headHash = TraceHash.Parse(value);
    }

    /// <summary>Gets or sets the head hash as held (shared with the head record, never rendered as text by the engine).</summary>
    internal TraceHash? HeadHashValue
    {
        get => _headHash;
        init => _headHash = value;
    }

    /// <summary>Gets the loop id of the parent that spawned this loop, or <see langword="null"/>.</summary>
    public string? ParentLoopId { get; init; }

    /// <summary>Gets the aggregate id of the parent that spawned this loop, or <see langword="null"/>.</summary>
    public string? ParentAggregateId { get; init; }

    /// <summary>Gets how many recommendations await approval (kept by the engine so a transition need not query them when there are none).</summary>
    public int PendingRecommendationCount { get; init; }

    /// <summary>Gets the recommendations awaiting approval. Filled by the engine on reads; stores keep recommendations separately.</summary>
    public IReadOnlyList<Recommendation> PendingRecommendations { get; init; } = [];

    /// <summary>Gets a value indicating whether the loop has ended (closed, error or cancelled).</summary>
    public bool IsEnded => Status is LoopStatus.Closed or LoopStatus.Error or LoopStatus.Cancelled;

    /// <summary>Gets the head of the trace, for an auditor to keep.</summary>
    public TraceHead Head => new(OrgId, AggregateId, Version, HeadHash);
}
