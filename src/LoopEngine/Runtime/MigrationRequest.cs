namespace LoopEngine;

/// <summary>A request to move one running loop to another definition version along a declared migration.</summary>
public sealed record MigrationRequest
{
    /// <summary>Gets the aggregate id.</summary>
    public required string AggregateId { get; init; }

    /// <summary>Gets the migration; the instance must be on its loop id and <see cref="LoopMigration.FromVersion"/>.</summary>
    public required LoopMigration Migration { get; init; }

    /// <summary>Gets the actor who migrates the loop (recorded on the <c>$migrate</c> record).</summary>
    public required Actor Actor { get; init; }

    /// <summary>Gets why the loop is migrated (1 to 4096 characters), recorded in the evidence.</summary>
    public required string Reason { get; init; }

    /// <summary>Gets the org, or <see langword="null"/> for <see cref="LoopEngineOptions.DefaultOrgId"/>.</summary>
    public string? OrgId { get; init; }
}
