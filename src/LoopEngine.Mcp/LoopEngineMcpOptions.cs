using System.ComponentModel.DataAnnotations;

namespace LoopEngine.Mcp;

/// <summary>
/// Options of the Commerce Gateway: who the connected AI agent is and which org it works in. The agent's identity
/// comes from here, set by the host, and never from a tool's arguments; every read and write uses <see cref="OrgId"/>.
/// </summary>
public sealed class LoopEngineMcpOptions
{
    /// <summary>Gets or sets the actor id of the AI agent the gateway acts for (type <c>ai-agent</c>).</summary>
    /// <value>The default is <c>agent:commerce-gateway</c>.</value>
    [Required]
    [StringLength(Actor.MaxIdLength, MinimumLength = 1)]
    public string AgentId { get; set; } = "agent:commerce-gateway";

    /// <summary>Gets or sets the agent's model id, recorded with each recommendation and execution.</summary>
    /// <value>The default is <see langword="null"/> (not recorded).</value>
    [StringLength(Actor.MaxIdLength, MinimumLength = 1)]
    public string? ModelId { get; set; }

    /// <summary>Gets or sets the agent's model provider, recorded with each recommendation and execution.</summary>
    /// <value>The default is <see langword="null"/> (not recorded).</value>
    [StringLength(Actor.MaxIdLength, MinimumLength = 1)]
    public string? Provider { get; set; }

    /// <summary>Gets or sets the confidence recorded when a tool call states none, in [0, 1].</summary>
    /// <value>The default is <see langword="null"/> (not recorded).</value>
    [Range(0.0, 1.0)]
    public double? DefaultConfidence { get; set; }

    /// <summary>Gets or sets the org (tenant) the agent works in; the agent sees and acts on this org only.</summary>
    /// <value>The default is <see langword="null"/>: the engine's <see cref="LoopEngineOptions.DefaultOrgId"/>.</value>
    [StringLength(200, MinimumLength = 1)]
    public string? OrgId { get; set; }

    /// <summary>Gets or sets the largest page size a listing tool accepts.</summary>
    /// <value>The default is 200.</value>
    [Range(1, InstanceQuery.MaxPageSize)]
    public int MaxPageSize { get; set; } = 200;
}
