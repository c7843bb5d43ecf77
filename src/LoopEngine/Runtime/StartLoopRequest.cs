namespace LoopEngine;

/// <summary>A request to open a loop for an aggregate.</summary>
public sealed record StartLoopRequest
{
    /// <summary>Gets the loop id.</summary>
    public required string LoopId { get; init; }

    /// <summary>Gets the definition version, or <see langword="null"/> for the latest registered.</summary>
    public string? Version { get; init; }

    /// <summary>Gets the aggregate id (<c>PO-2026-0012</c>): unique within the org and never reused.</summary>
    public required string AggregateId { get; init; }

    /// <summary>Gets the actor who opens the loop.</summary>
    public required Actor Actor { get; init; }

    /// <summary>Gets the org, or <see langword="null"/> for <see cref="LoopEngineOptions.DefaultOrgId"/>.</summary>
    public string? OrgId { get; init; }

    /// <summary>Gets the correlation id, or <see langword="null"/> to generate one.</summary>
    public string? CorrelationId { get; init; }

    /// <summary>Gets the causation id (a signal, a parent record), or <see langword="null"/>.</summary>
    public string? CausationId { get; init; }

    /// <summary>Gets the start evidence (metadata, the triggering signal), recorded in record 1; <see langword="null"/> for <c>{}</c>.</summary>
    public Evidence? Evidence { get; init; }
}
