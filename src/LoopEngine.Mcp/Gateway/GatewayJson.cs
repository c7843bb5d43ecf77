using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;

namespace LoopEngine.Mcp;

/// <summary>Renders engine values as the gateway's JSON (camelCase, wire names, UTC times) and builds tool results.</summary>
internal static class GatewayJson
{
    // Only for the human-readable copy: keeps quotes and apostrophes legible; the structured content is the contract.
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>A tool result: readable text first, then the same data as JSON text and as structured content.</summary>
    public static CallToolResult Result(string text, JsonObject data, bool isError = false)
    {
        var json = data.ToJsonString();
        using var document = JsonDocument.Parse(json);
        return new CallToolResult
        {
            Content = [new TextContentBlock { Text = text }, new TextContentBlock { Text = data.ToJsonString(Indented) }],
            StructuredContent = document.RootElement.Clone(),
            IsError = isError,
        };
    }

    public static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static string? Time(DateTimeOffset? time) => time is { } t ? Time(t) : null;

    /// <summary>Formats a duration the way the product page prints a trace: <c>12s</c>, <c>4m</c>, <c>5h</c>, <c>3d</c>.</summary>
    public static string Elapsed(TimeSpan elapsed)
    {
        if (elapsed < TimeSpan.Zero)
        {
            elapsed = TimeSpan.Zero;
        }

        return elapsed.TotalMinutes < 1 ? $"{(long)elapsed.TotalSeconds}s"
            : elapsed.TotalHours < 1 ? $"{(long)elapsed.TotalMinutes}m"
            : elapsed.TotalDays < 1 ? $"{(long)elapsed.TotalHours}h"
            : $"{(long)elapsed.TotalDays}d";
    }

    public static string Iso(TimeSpan duration) => System.Xml.XmlConvert.ToString(duration);

    public static JsonArray Strings(IEnumerable<string> values) => [.. values.Select(v => (JsonNode?)JsonValue.Create(v))];

    public static JsonArray Actors(IEnumerable<ActorType> types) => Strings(types.Select(t => t.ToWireName()));

    public static JsonObject Actor(Actor actor)
    {
        var node = new JsonObject { ["type"] = actor.Type.ToWireName(), ["id"] = actor.Id };
        if (actor.ModelId is not null)
        {
            node["modelId"] = actor.ModelId;
        }

        if (actor.Provider is not null)
        {
            node["provider"] = actor.Provider;
        }

        if (actor.Confidence is { } confidence)
        {
            node["confidence"] = confidence;
        }

        return node;
    }

    public static JsonNode? Evidence(Evidence? evidence) => evidence is null ? null : JsonNode.Parse(evidence.Json);

    public static JsonObject Recommendation(Recommendation recommendation) => new()
    {
        ["id"] = recommendation.Id,
        ["status"] = recommendation.Status.ToString().ToLowerInvariant(),
        ["loopId"] = recommendation.LoopId,
        ["aggregateId"] = recommendation.AggregateId,
        ["transitionId"] = recommendation.TransitionId,
        ["fromState"] = recommendation.FromState,
        ["instanceVersion"] = recommendation.InstanceVersion,
        ["recommender"] = Actor(recommendation.Recommender),
        ["evidence"] = Evidence(recommendation.Evidence),
        ["reasoning"] = recommendation.Reasoning,
        ["createdAt"] = Time(recommendation.CreatedAt),
        ["expiresAt"] = Time(recommendation.ExpiresAt),
        ["decidedAt"] = Time(recommendation.DecidedAt),
        ["decidedBy"] = recommendation.DecidedBy is null ? null : Actor(recommendation.DecidedBy),
        ["decisionReason"] = recommendation.DecisionReason,
    };

    public static JsonObject Instance(LoopInstance instance, TimeProvider time, LoopDefinition definition)
    {
        var now = time.GetUtcNow();
        var dwell = now - instance.UpdatedAt;
        var node = new JsonObject
        {
            ["loopId"] = instance.LoopId,
            ["definitionVersion"] = instance.DefinitionVersion,
            ["aggregateId"] = instance.AggregateId,
            ["currentState"] = instance.CurrentState,
            ["status"] = instance.Status.ToString(),
            ["version"] = instance.Version,
            ["correlationId"] = instance.CorrelationId,
            ["openedAt"] = Time(instance.OpenedAt),
            ["updatedAt"] = Time(instance.UpdatedAt),
            ["closedAt"] = Time(instance.ClosedAt),
            ["parentLoopId"] = instance.ParentLoopId,
            ["parentAggregateId"] = instance.ParentAggregateId,
            ["headHash"] = instance.HeadHash,
            ["pendingRecommendationCount"] = instance.PendingRecommendations.Count,
        };
        if (!instance.IsEnded)
        {
            node["timeInState"] = Elapsed(dwell);
            if (definition.TryGetState(instance.CurrentState, out var state) && state.Sla is { } sla)
            {
                node["sla"] = new JsonObject
                {
                    ["maxDwell"] = Iso(sla.MaxDwell),
                    ["dueAt"] = Time(instance.UpdatedAt + sla.MaxDwell),
                    ["breached"] = dwell > sla.MaxDwell,
                };
            }
        }

        return node;
    }

    public static JsonObject Guard(GuardSpec guard) => new()
    {
        ["id"] = guard.Id,
        ["description"] = guard.Description,
        ["severity"] = guard.Severity == GuardSeverity.Hard ? "hard" : "soft",
        ["evaluatedBy"] = guard.EvaluatedBy.ToString().ToLowerInvariant(),
        ["failureMessage"] = guard.FailureMessage,
    };

    public static JsonObject Transition(LoopDefinition definition, TransitionSpec transition)
    {
        var access = AgentAccessRules.For(definition, transition);
        return new JsonObject
        {
            ["id"] = transition.Id,
            ["from"] = transition.From,
            ["to"] = transition.To,
            ["description"] = transition.Description,
            ["allowedActors"] = Actors(transition.AllowedActors),
            ["guards"] = new JsonArray([.. transition.Guards.Select(g => (JsonNode)Guard(g))]),
            ["requiredEvidence"] = Strings(transition.RequiredEvidence),
            ["approvers"] = Actors(LoopRuntime.PermittedApprovers(definition, transition)),
            ["roles"] = Strings(transition.Roles),
            ["fourEyes"] = transition.FourEyes,
            ["aiMayExecute"] = transition.AiMayExecute,
            ["recommendationTtl"] = transition.RecommendationTtl is { } ttl ? Iso(ttl) : null,
            ["spawns"] = Strings(transition.Spawns),
            ["agentAccess"] = access.ToWireName(),
        };
    }

    public static JsonObject State(StateSpec state) => new()
    {
        ["id"] = state.Id,
        ["description"] = state.Description,
        ["isTerminal"] = state.IsTerminal,
        ["isError"] = state.IsError,
        ["sla"] = state.Sla is { } sla
            ? new JsonObject { ["maxDwell"] = Iso(sla.MaxDwell), ["breachTransition"] = sla.BreachTransition, ["raiseEvent"] = sla.RaiseEvent }
            : null,
    };

    public static JsonObject DefinitionSummary(LoopDefinition definition) => new()
    {
        ["id"] = definition.Id,
        ["version"] = definition.Version,
        ["key"] = definition.Key,
        ["domain"] = definition.Domain,
        ["description"] = definition.Description,
        ["initialState"] = definition.InitialState,
        ["stateCount"] = definition.States.Count,
        ["transitionCount"] = definition.Transitions.Count,
        ["agentMayRecommend"] = Strings(definition.Transitions.Where(t => AgentAccessRules.For(definition, t) == AgentAccess.Recommend).Select(t => t.Id)),
        ["agentMayExecute"] = Strings(definition.Transitions.Where(t => AgentAccessRules.For(definition, t) == AgentAccess.Execute).Select(t => t.Id)),
    };
}
