using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace LoopEngine.Mcp;

/// <summary>
/// The tools that write: <c>recommend_transition</c> stores a recommendation for a permitted approver, and
/// <c>execute_transition</c> executes only what the policy lets this agent execute. The actor is always the configured
/// AI agent (invariant 6: an agent cannot escalate); input is checked before anything is written.
/// </summary>
[McpServerToolType]
internal sealed class LoopActionTools(LoopGateway gateway)
{
    [McpServerTool(Name = "recommend_transition", Title = "Recommend a transition", ReadOnly = false, Destructive = false, Idempotent = false, OpenWorld = false)]
    [Description("Recommends a transition for a permitted approver (usually a human) to approve or reject; the loop does not move. Returns the recommendation id and status. Refused for a transition this agent may execute itself (use execute_transition) or may not act on at all.")]
    public async Task<CallToolResult> RecommendTransitionAsync(
        [Description("The aggregate id the loop runs for (for example 'PO-2026-0012').")] string aggregate_id,
        [Description("The transition to recommend, one that leaves the loop's current state (for example 'receive'). See get_loop_state.")] string transition_id,
        [Description("The evidence for the approver: a JSON object (for example {\"shipment_scan\": \"confirmed\", \"quantity_match\": true}), within the engine's size and depth limits.")] JsonElement? evidence = null,
        [Description("Why the agent recommends it, up to 4096 characters; kept with the recommendation.")] string? reasoning = null,
        [Description("The agent's confidence in this recommendation, 0 to 1; omit for the configured default.")] double? confidence = null,
        [Description("The loop version the agent read (from get_loop_state); when given and the loop has moved, nothing is recorded.")] long? expected_version = null,
        [Description("A key (1 to 200 characters) that makes retries safe: the same key and request return the first recommendation.")] string? idempotency_key = null,
        CancellationToken cancellationToken = default)
    {
        var (instance, definition, transition, request) = await PrepareAsync(aggregate_id, transition_id, evidence, reasoning, confidence, expected_version, idempotency_key, cancellationToken).ConfigureAwait(false);
        var access = AgentAccessRules.For(definition, transition);
        if (access != AgentAccess.Recommend)
        {
            GatewayLog.Refused(gateway.Logger, "recommend_transition", transition.Id, definition.Id, instance.AggregateId, request.Actor.Id, access, instance.CorrelationId);
            throw new McpException(access == AgentAccess.Execute
                ? $"recommend_transition only recommends, and the policy lets this agent execute '{transition.Id}' itself (aiMayExecute), so the engine would execute it. Use execute_transition to execute it. Nothing was recorded."
                : AgentAccessRules.Explain(definition, transition, access) + " Nothing was recorded.");
        }

        var result = await TransitionAsync(request, cancellationToken).ConfigureAwait(false);
        GatewayLog.Recommended(gateway.Logger, request.Actor.Id, transition.Id, definition.Id, instance.AggregateId, result.Outcome, instance.CorrelationId);
        return Render(definition, transition, result);
    }

    [McpServerTool(Name = "execute_transition", Title = "Execute a transition", ReadOnly = false, Destructive = false, Idempotent = false, OpenWorld = false)]
    [Description("Executes a transition that the loop's policy lets this AI agent execute (aiMayExecute), through every guard. Refused for a transition the policy reserves for others: recommend those with recommend_transition. A hard external guard can still turn the request into a recommendation.")]
    public async Task<CallToolResult> ExecuteTransitionAsync(
        [Description("The aggregate id the loop runs for (for example 'REPLEN-2026-0041').")] string aggregate_id,
        [Description("The transition to execute, one that leaves the loop's current state. See get_loop_state for what this agent may execute.")] string transition_id,
        [Description("The evidence: a JSON object with the fields the transition requires, within the engine's size and depth limits.")] JsonElement? evidence = null,
        [Description("Why the agent executes it, up to 4096 characters.")] string? reasoning = null,
        [Description("The agent's confidence, 0 to 1; omit for the configured default.")] double? confidence = null,
        [Description("The loop version the agent read (from get_loop_state); when given and the loop has moved, nothing is executed.")] long? expected_version = null,
        [Description("A key (1 to 200 characters) that makes retries safe: the same key and request return the first result.")] string? idempotency_key = null,
        CancellationToken cancellationToken = default)
    {
        var (instance, definition, transition, request) = await PrepareAsync(aggregate_id, transition_id, evidence, reasoning, confidence, expected_version, idempotency_key, cancellationToken).ConfigureAwait(false);
        var access = AgentAccessRules.For(definition, transition);
        if (access != AgentAccess.Execute)
        {
            GatewayLog.Refused(gateway.Logger, "execute_transition", transition.Id, definition.Id, instance.AggregateId, request.Actor.Id, access, instance.CorrelationId);
            throw new McpException(access == AgentAccess.Recommend
                ? $"The policy reserves '{transition.Id}' for a {string.Join(" or ", LoopRuntime.PermittedApprovers(definition, transition).Select(a => a.ToWireName()))} actor: this AI agent may only recommend it. Use recommend_transition. Nothing was executed."
                : AgentAccessRules.Explain(definition, transition, access) + " Nothing was executed.");
        }

        var result = await TransitionAsync(request, cancellationToken).ConfigureAwait(false);
        GatewayLog.Executed(gateway.Logger, request.Actor.Id, transition.Id, definition.Id, instance.AggregateId, result.Outcome, instance.CorrelationId);
        return Render(definition, transition, result);
    }

    private async ValueTask<(LoopInstance Instance, LoopDefinition Definition, TransitionSpec Transition, TransitionRequest Request)> PrepareAsync(
        string aggregateId, string transitionId, JsonElement? evidence, string? reasoning, double? confidence, long? expectedVersion, string? idempotencyKey, CancellationToken cancellationToken)
    {
        var actor = gateway.Agent(confidence);
        if (reasoning is { Length: > 4096 })
        {
            throw new McpException($"reasoning is {reasoning.Length} characters; the limit is 4096.");
        }

        var key = LoopGateway.OptionalId(idempotencyKey, "idempotency_key");
        var parsed = gateway.ParseEvidence(evidence);
        var instance = await gateway.RequireInstanceAsync(aggregateId, cancellationToken).ConfigureAwait(false);
        if (expectedVersion is { } expected && (expected < 1 || expected > instance.Version))
        {
            throw new McpException($"expected_version {expected} is outside the valid range 1 to {instance.Version} (the loop's current version).");
        }

        var definition = gateway.DefinitionOf(instance);
        var transition = LoopGateway.RequireTransitionFromCurrentState(definition, instance, transitionId);
        var request = new TransitionRequest
        {
            AggregateId = instance.AggregateId,
            TransitionId = transition.Id,
            LoopId = instance.LoopId,
            Actor = actor,
            Evidence = parsed,
            OrgId = gateway.Org,
            ExpectedVersion = expectedVersion,
            IdempotencyKey = key,
            Reasoning = string.IsNullOrEmpty(reasoning) ? null : reasoning,
        };
        return (instance, definition, transition, request);
    }

    private async ValueTask<TransitionResult> TransitionAsync(TransitionRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return await gateway.Engine.TransitionAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ArgumentException or IdempotencyConflictException)
        {
            throw new McpException(ex.Message, ex);
        }
    }

    private static CallToolResult Render(LoopDefinition definition, TransitionSpec transition, TransitionResult result)
    {
        var instance = result.Instance;
        var data = new JsonObject
        {
            ["outcome"] = result.Outcome switch
            {
                TransitionOutcome.Executed => "executed",
                TransitionOutcome.PendingApproval => "pending_approval",
                TransitionOutcome.Blocked => "blocked",
                _ => "version_conflict",
            },
            ["transitionId"] = transition.Id,
            ["aggregateId"] = instance.AggregateId,
            ["currentState"] = instance.CurrentState,
            ["version"] = instance.Version,
            ["isReplay"] = result.IsReplay,
        };
        string text;
        switch (result.Outcome)
        {
            case TransitionOutcome.PendingApproval:
                var recommendation = result.Recommendation;
                data["recommendationId"] = recommendation?.Id;
                data["status"] = recommendation?.Status.ToString().ToLowerInvariant() ?? "pending";
                data["recommendation"] = recommendation is null ? null : GatewayJson.Recommendation(recommendation);
                data["approvers"] = GatewayJson.Actors(LoopRuntime.PermittedApprovers(definition, transition));
                text = $"Recommendation {recommendation?.Id} of '{transition.Id}' on {instance.AggregateId} is {data["status"]}, awaiting a {string.Join(" or ", LoopRuntime.PermittedApprovers(definition, transition).Select(a => a.ToWireName()))} approver until {GatewayJson.Time(recommendation?.ExpiresAt)}. The loop stays in {instance.CurrentState}.";
                return GatewayJson.Result(text, data);
            case TransitionOutcome.Executed:
                data["status"] = "executed";
                data["sequence"] = result.Record?.Sequence;
                data["warnings"] = GatewayJson.Strings(result.GuardFailures.Select(f => $"{f.GuardId}: {f.Message}"));
                text = $"Executed '{transition.Id}' on {instance.AggregateId}: {result.Record?.FromState} -> {instance.CurrentState} (version {instance.Version}).";
                return GatewayJson.Result(text, data);
            case TransitionOutcome.Blocked:
                data["status"] = "blocked";
                data["blockReason"] = LoopRuntime.ToWireName(result.BlockReason);
                data["message"] = result.Message;
                data["guardFailures"] = new JsonArray([.. result.GuardFailures.Select(f => (JsonNode)new JsonObject { ["guardId"] = f.GuardId, ["message"] = f.Message })]);
                return GatewayJson.Result($"Blocked: {result.Message}", data, isError: true);
            default:
                data["status"] = "version_conflict";
                data["message"] = result.Message;
                return GatewayJson.Result($"Not recorded: {result.Message}", data, isError: true);
        }
    }
}
