namespace LoopEngine;

/// <summary>Everything one engine operation writes, applied atomically by <see cref="ILoopStore.CommitAsync"/>.</summary>
public sealed record StoreCommit
{
    /// <summary>Gets the org every write belongs to.</summary>
    public required string OrgId { get; init; }

    /// <summary>Gets the instances to write, each checked against its expected version.</summary>
    public IReadOnlyList<InstanceWrite> Instances { get; init; } = [];

    /// <summary>Gets the trace records to append; (org, aggregate, sequence) is unique.</summary>
    public IReadOnlyList<TransitionRecord> Records { get; init; } = [];

    /// <summary>Gets the events to append, in order; their positions are assigned by the store.</summary>
    public IReadOnlyList<LoopEvent> Events { get; init; } = [];

    /// <summary>Gets the recommendations to insert or replace (by org and id).</summary>
    public IReadOnlyList<Recommendation> Recommendations { get; init; } = [];

    /// <summary>Gets the idempotency entry to insert, or <see langword="null"/>; an existing entry with the same key fails the commit.</summary>
    public IdempotencyEntry? Idempotency { get; init; }
}
