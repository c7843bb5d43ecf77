namespace LoopEngine;

/// <summary>
/// A request to open a child loop as a follow-up of one record of a parent loop (a host handler reacting to the parent's
/// event). Idempotent: at most one child of <see cref="ChildLoopId"/> is ever opened per parent record.
/// </summary>
public sealed record SpawnLoopRequest
{
    /// <summary>Gets the parent's aggregate id.</summary>
    public required string ParentAggregateId { get; init; }

    /// <summary>Gets the sequence of the parent's trace record the child follows from (its causation).</summary>
    public required long ParentSequence { get; init; }

    /// <summary>Gets the child's loop id; it must be in the parent definition's <see cref="LoopDefinition.SpawnableLoops"/>.</summary>
    public required string ChildLoopId { get; init; }

    /// <summary>Gets the actor who opens the child.</summary>
    public required Actor Actor { get; init; }

    /// <summary>Gets the child's aggregate id, or <see langword="null"/> to take one from the child loop's aggregate id pattern (<see cref="LoopEngineOptions.SpawnAggregateIdPatterns"/>).</summary>
    public string? ChildAggregateId { get; init; }

    /// <summary>Gets the child definition's version, or <see langword="null"/> for the latest registered.</summary>
    public string? ChildVersion { get; init; }

    /// <summary>Gets the org, or <see langword="null"/> for <see cref="LoopEngineOptions.DefaultOrgId"/>.</summary>
    public string? OrgId { get; init; }

    /// <summary>Gets further start evidence for the child (merged after <see cref="ReservedEvidence.SpawnedBy"/>, which it may not contain), or <see langword="null"/>.</summary>
    public Evidence? Evidence { get; init; }
}
