namespace LoopEngine.Mcp;

/// <summary>What the gateway's AI agent may do with one transition under its loop's policy.</summary>
internal enum AgentAccess
{
    /// <summary>Neither execute nor recommend: the transition neither allows ai-agent actors nor accepts their recommendations.</summary>
    None = 0,

    /// <summary>Recommend only: a permitted approver must approve (invariant 6).</summary>
    Recommend = 1,

    /// <summary>Execute: the transition allows ai-agent actors and the policy lets them execute it (<c>aiMayExecute</c>).</summary>
    Execute = 2,
}

/// <summary>Computes <see cref="AgentAccess"/> with the engine's own policy rules, so the gateway and the engine never disagree.</summary>
internal static class AgentAccessRules
{
    public static AgentAccess For(LoopDefinition definition, TransitionSpec transition)
    {
        var allowed = transition.AllowedActors.Contains(ActorType.AiAgent);
        if (allowed && !LoopRuntime.IsRecommendOnly(definition, transition, ActorType.AiAgent))
        {
            return AgentAccess.Execute;
        }

        var mayRecommend = allowed || definition.Policy.Recommenders.Contains(ActorType.AiAgent);
        return mayRecommend && LoopRuntime.PermittedApprovers(definition, transition).Count > 0 ? AgentAccess.Recommend : AgentAccess.None;
    }

    public static string ToWireName(this AgentAccess access) => access switch
    {
        AgentAccess.Execute => "execute",
        AgentAccess.Recommend => "recommend",
        _ => "none",
    };

    /// <summary>Explains, for an agent, why it has the access it has.</summary>
    public static string Explain(LoopDefinition definition, TransitionSpec transition, AgentAccess access) => access switch
    {
        AgentAccess.Execute => $"The policy lets ai-agent actors execute '{transition.Id}' (aiMayExecute): use execute_transition.",
        AgentAccess.Recommend => $"ai-agent actors may only recommend '{transition.Id}'; a {string.Join(" or ", LoopRuntime.PermittedApprovers(definition, transition).Select(a => a.ToWireName()))} approver decides: use recommend_transition.",
        _ => $"ai-agent actors may neither execute nor recommend '{transition.Id}': its allowed actors are {Join(transition.AllowedActors)}, the types that may recommend it are {Join(definition.Policy.Recommenders)}, and its permitted approvers are {Join(LoopRuntime.PermittedApprovers(definition, transition))}.",
    };

    public static string Join(IEnumerable<ActorType> types)
    {
        var names = types.Select(t => t.ToWireName()).ToList();
        return names.Count == 0 ? "none" : string.Join(", ", names);
    }
}
