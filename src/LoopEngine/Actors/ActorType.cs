namespace LoopEngine;

/// <summary>
/// The kinds of actor that can take part in a loop. The wire names (<c>human</c>, <c>automation</c>,
/// <c>ai-agent</c>, <c>webhook</c>, <c>system</c>) are those of the reference schema.
/// </summary>
public enum ActorType
{
    /// <summary>A person, such as <c>drew.kim@lumebonde.co</c>. Wire name <c>human</c>.</summary>
    Human = 1,

    /// <summary>A deterministic automation, such as <c>system:replenishment</c>. Wire name <c>automation</c>.</summary>
    Automation = 2,

    /// <summary>An AI agent, such as <c>agent:commerce-gateway/claude</c>. Wire name <c>ai-agent</c>.</summary>
    AiAgent = 3,

    /// <summary>An inbound webhook from another system. Wire name <c>webhook</c>.</summary>
    Webhook = 4,

    /// <summary>The engine itself or a platform component. Wire name <c>system</c>.</summary>
    System = 5,
}
