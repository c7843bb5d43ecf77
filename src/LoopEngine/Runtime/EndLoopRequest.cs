namespace LoopEngine;

/// <summary>A cancellation or failure of a loop.</summary>
public sealed record EndLoopRequest
{
    /// <summary>Gets the aggregate id.</summary>
    public required string AggregateId { get; init; }

    /// <summary>Gets who ends the loop.</summary>
    public required Actor Actor { get; init; }

    /// <summary>Gets the error code (for a failure; recorded in <c>loop.error</c>), or <see langword="null"/>.</summary>
    public string? ErrorCode { get; init; }

    /// <summary>Gets the reason or error message.</summary>
    public required string Reason { get; init; }

    /// <summary>Gets the org, or <see langword="null"/> for the default.</summary>
    public string? OrgId { get; init; }

    /// <summary>Gets the evidence, or <see langword="null"/>.</summary>
    public Evidence? Evidence { get; init; }
}
