using System.ComponentModel;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace LoopEngine.Mcp;

/// <summary>The read-only tools: definitions, state, history, open loops and exceptions, all in the configured org.</summary>
[McpServerToolType]
internal sealed class LoopQueryTools(LoopGateway gateway)
{
    private const int DefaultPageSize = 50;

    [McpServerTool(Name = "list_loop_definitions", Title = "List loop definitions", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("Lists every registered loop definition (every version): id, version, description, initial state, and which transitions this agent may recommend or execute.")]
    public CallToolResult ListLoopDefinitions()
    {
        var definitions = gateway.Engine.GetDefinitions();
        var text = new StringBuilder().Append(CultureInfo.InvariantCulture, $"{definitions.Count} loop definition(s):");
        foreach (var d in definitions)
        {
            text.Append(CultureInfo.InvariantCulture, $"\n- {d.Key}: {d.Description.Trim()} (initial state {d.InitialState}, {d.States.Count} states, {d.Transitions.Count} transitions)");
        }

        return GatewayJson.Result(text.ToString(), new JsonObject
        {
            ["definitions"] = new JsonArray([.. definitions.Select(d => (JsonNode)GatewayJson.DefinitionSummary(d))]),
        });
    }

    [McpServerTool(Name = "describe_loop", Title = "Describe a loop", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("Describes one loop definition: its states (terminal, error, SLA), its transitions with allowed actors, guards, required evidence, approvers and this agent's access, the actor policy, the outcome, and a Mermaid state diagram.")]
    public CallToolResult DescribeLoop(
        [Description("The loop id, 'domain.name' (for example 'scm.procurement'). See list_loop_definitions.")] string loop_id,
        [Description("The definition version (for example '2.0.0'); omit for the latest registered version.")] string? version = null)
    {
        var definition = gateway.RequireDefinition(loop_id, version);
        var mermaid = definition.ToMermaid();
        var text = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"{definition.Key}: {definition.Description.Trim()}\n")
            .Append(CultureInfo.InvariantCulture, $"States: {string.Join(", ", definition.States.Select(s => s.Id + (s.IsTerminal ? " (terminal)" : s.IsError ? " (error)" : string.Empty) + (s.Sla is { } sla ? $" [SLA {GatewayJson.Iso(sla.MaxDwell)}]" : string.Empty)))}\n")
            .Append("Transitions:\n");
        foreach (var t in definition.Transitions)
        {
            var access = AgentAccessRules.For(definition, t);
            text.Append(CultureInfo.InvariantCulture, $"- {t.Id}: {t.From} -> {t.To} by {AgentAccessRules.Join(t.AllowedActors)}")
                .Append(t.Guards.Count > 0 ? $"; guards {string.Join(", ", t.Guards.Select(g => g.Id))}" : string.Empty)
                .Append(t.RequiredEvidence.Count > 0 ? $"; evidence {string.Join(", ", t.RequiredEvidence)}" : string.Empty)
                .Append(CultureInfo.InvariantCulture, $"; this agent: {access.ToWireName()}\n");
        }

        text.Append('\n').Append(mermaid);
        var policy = definition.Policy;
        return GatewayJson.Result(text.ToString(), new JsonObject
        {
            ["id"] = definition.Id,
            ["version"] = definition.Version,
            ["domain"] = definition.Domain,
            ["description"] = definition.Description,
            ["initialState"] = definition.InitialState,
            ["states"] = new JsonArray([.. definition.States.Select(s => (JsonNode)GatewayJson.State(s))]),
            ["transitions"] = new JsonArray([.. definition.Transitions.Select(t => (JsonNode)GatewayJson.Transition(definition, t))]),
            ["policy"] = new JsonObject
            {
                ["recommendOnly"] = GatewayJson.Actors(policy.RecommendOnly),
                ["recommenders"] = GatewayJson.Actors(policy.Recommenders),
                ["approvers"] = GatewayJson.Actors(policy.Approvers),
            },
            ["outcome"] = new JsonObject
            {
                ["id"] = definition.Outcome.Id,
                ["description"] = definition.Outcome.Description,
                ["valueUnit"] = definition.Outcome.ValueUnit,
                ["businessMetrics"] = GatewayJson.Strings(definition.Outcome.BusinessMetrics.Select(m => m.Id)),
            },
            ["spawnableLoops"] = definition.SpawnableLoops is null ? null : GatewayJson.Strings(definition.SpawnableLoops),
            ["mermaid"] = mermaid,
        });
    }

    [McpServerTool(Name = "get_loop_state", Title = "Get a loop's state", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("Reads one loop instance by aggregate id: its current state, status, SLA, pending recommendations, and every transition from here with what this agent may do (recommend, execute or none), the guards and evidence that would block it and why, and recent guard failures.")]
    public async Task<CallToolResult> GetLoopStateAsync(
        [Description("The aggregate id the loop runs for (for example 'PO-2026-0012'). See list_open_loops.")] string aggregate_id,
        CancellationToken cancellationToken = default)
    {
        var instance = await gateway.RequireInstanceAsync(aggregate_id, cancellationToken).ConfigureAwait(false);
        var definition = gateway.DefinitionOf(instance);
        var failures = await gateway.GuardFailures.ReadAsync(gateway, instance.LoopId, instance.AggregateId, cancellationToken).ConfigureAwait(false);
        var text = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"{instance.AggregateId} runs {definition.Key}: state {instance.CurrentState}, status {instance.Status}, version {instance.Version}.\n");
        var available = new JsonArray();
        foreach (var transition in instance.IsEnded ? [] : definition.TransitionsFrom(instance.CurrentState))
        {
            var access = AgentAccessRules.For(definition, transition);
            var blockers = Blockers(definition, transition, access, instance, failures);
            var node = GatewayJson.Transition(definition, transition);
            node["explanation"] = AgentAccessRules.Explain(definition, transition, access);
            node["blockers"] = GatewayJson.Strings(blockers);
            node["recentGuardFailures"] = failures.Where(f => f.TransitionId == transition.Id).Sum(f => f.Count);
            available.Add(node);
            text.Append(CultureInfo.InvariantCulture, $"- {transition.Id} -> {transition.To}: this agent may {(access == AgentAccess.None ? "not act" : access.ToWireName())}")
                .Append(blockers.Count > 0 ? "; " + string.Join("; ", blockers) : string.Empty)
                .Append('\n');
        }

        foreach (var recommendation in instance.PendingRecommendations)
        {
            text.Append(CultureInfo.InvariantCulture, $"Pending: {recommendation.Id} recommends {recommendation.TransitionId} (by {recommendation.Recommender.Id}, expires {GatewayJson.Time(recommendation.ExpiresAt)}).\n");
        }

        return GatewayJson.Result(text.ToString().TrimEnd(), new JsonObject
        {
            ["instance"] = GatewayJson.Instance(instance, gateway.Time, definition),
            ["pendingRecommendations"] = new JsonArray([.. instance.PendingRecommendations.Select(r => (JsonNode)GatewayJson.Recommendation(r))]),
            ["availableTransitions"] = available,
        });
    }

    [McpServerTool(Name = "get_transition_history", Title = "Get a loop's transition history", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("Reads a loop's trace, oldest first: each step's transition, from and to state, actor (with an agent's model and confidence), time, elapsed time since the previous step, evidence, and the recommender of an approved step. Paged by sequence.")]
    public async Task<CallToolResult> GetTransitionHistoryAsync(
        [Description("The aggregate id the loop runs for (for example 'PO-2026-0012').")] string aggregate_id,
        [Description("Return records after this sequence number (0, the default, starts at the first record; use next_after_sequence from the previous page).")] long after_sequence = 0,
        [Description("How many records to return, 1 to the gateway's maximum page size (default 50).")] int? page_size = null,
        CancellationToken cancellationToken = default)
    {
        var size = gateway.CheckPageSize(page_size, DefaultPageSize);
        var instance = await gateway.RequireInstanceAsync(aggregate_id, cancellationToken).ConfigureAwait(false);
        if (after_sequence < 0 || after_sequence > instance.Version)
        {
            throw new McpException($"after_sequence {after_sequence} is outside the valid range 0 to {instance.Version} (the loop's last sequence).");
        }

        var trace = await gateway.Engine.GetTraceAsync(instance.AggregateId, gateway.Org, cancellationToken).ConfigureAwait(false);
        var page = trace.Where(r => r.Sequence > after_sequence).Take(size).ToList();
        var records = new JsonArray();
        var text = new StringBuilder().Append(CultureInfo.InvariantCulture, $"{instance.LoopId} {instance.AggregateId}, correlation {instance.CorrelationId}:\n");
        foreach (var record in page)
        {
            var previous = record.Sequence > 1 ? trace.FirstOrDefault(r => r.Sequence == record.Sequence - 1) : null;
            var elapsed = previous is null ? TimeSpan.Zero : record.OccurredAt - previous.OccurredAt;
            records.Add(new JsonObject
            {
                ["sequence"] = record.Sequence,
                ["transitionId"] = record.TransitionId,
                ["fromState"] = record.FromState,
                ["toState"] = record.ToState,
                ["actor"] = GatewayJson.Actor(record.Actor),
                ["occurredAt"] = GatewayJson.Time(record.OccurredAt),
                ["elapsedMs"] = (long)elapsed.TotalMilliseconds,
                ["elapsed"] = GatewayJson.Elapsed(elapsed),
                ["evidence"] = GatewayJson.Evidence(record.Evidence),
                ["recommendationId"] = record.RecommendationId,
                ["recommender"] = record.Recommender is null ? null : GatewayJson.Actor(record.Recommender),
                ["warnings"] = GatewayJson.Strings(record.Warnings.Select(w => $"{w.GuardId}: {w.Message}")),
                ["hash"] = record.Hash,
            });
            text.Append(CultureInfo.InvariantCulture, $"{record.Sequence}. {record.FromState ?? "(start)"} -> {record.ToState} {GatewayJson.Elapsed(elapsed)} [{record.Actor.Id}]")
                .Append(record.Recommender is null ? string.Empty : $" recommended by {record.Recommender.Id}")
                .Append('\n');
        }

        var last = page.Count == 0 ? after_sequence : page[^1].Sequence;
        long? next = last < instance.Version ? last : null;
        return GatewayJson.Result(text.ToString().TrimEnd(), new JsonObject
        {
            ["aggregateId"] = instance.AggregateId,
            ["loopId"] = instance.LoopId,
            ["correlationId"] = instance.CorrelationId,
            ["lastSequence"] = instance.Version,
            ["records"] = records,
            ["nextAfterSequence"] = next,
        });
    }

    [McpServerTool(Name = "list_open_loops", Title = "List open loops", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("Lists the loops that have not ended (status Open or InProgress), oldest first, with their state, time in state, SLA and pending recommendations. Filter by loop id and state; page with the continuation token.")]
    public async Task<CallToolResult> ListOpenLoopsAsync(
        [Description("Only loops of this loop id (for example 'scm.procurement'); omit for all.")] string? loop_id = null,
        [Description("Only loops in this state (for example 'RECEIPT_SCHEDULED'); omit for all.")] string? state = null,
        [Description("How many loops to return, 1 to the gateway's maximum page size (default 50).")] int? page_size = null,
        [Description("The continuation_token of the previous page; omit for the first page.")] string? continuation_token = null,
        CancellationToken cancellationToken = default)
    {
        var size = gateway.CheckPageSize(page_size, DefaultPageSize);
        var definition = string.IsNullOrEmpty(loop_id) ? null : gateway.RequireDefinition(loop_id);
        if (!string.IsNullOrEmpty(state) && definition is not null && !definition.TryGetState(state, out _))
        {
            throw new McpException($"State '{LoopGateway.Printable(state)}' is not defined for loop '{definition.Id}'. Its states are: {string.Join(", ", definition.States.Select(s => s.Id))}.");
        }

        var token = LoopGateway.OptionalId(continuation_token, "continuation_token");
        Page<LoopInstance> page;
        try
        {
            page = await gateway.Engine.ListInstancesAsync(
                new InstanceQuery { OrgId = gateway.Org, LoopId = definition?.Id, State = string.IsNullOrEmpty(state) ? null : state, Statuses = [LoopStatus.Open, LoopStatus.InProgress], PageSize = size, ContinuationToken = token },
                cancellationToken).ConfigureAwait(false);
        }
        catch (ArgumentException ex)
        {
            throw new McpException(ex.Message, ex);
        }

        var text = new StringBuilder().Append(CultureInfo.InvariantCulture, $"{page.Items.Count} open loop(s){(page.ContinuationToken is null ? string.Empty : " (more: pass continuation_token)")}:");
        var items = new JsonArray();
        foreach (var instance in page.Items)
        {
            items.Add(GatewayJson.Instance(instance, gateway.Time, gateway.DefinitionOf(instance)));
            text.Append(CultureInfo.InvariantCulture, $"\n- {instance.AggregateId} ({instance.LoopId}) in {instance.CurrentState}, {instance.PendingRecommendations.Count} pending recommendation(s)");
        }

        return GatewayJson.Result(text.ToString(), new JsonObject { ["loops"] = items, ["continuationToken"] = page.ContinuationToken });
    }

    [McpServerTool(Name = "list_exceptions", Title = "List exceptions", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("Surfaces what needs attention: loops in error states, open loops past their state's SLA, repeated hard guard failures (from the event stream), and pending recommendations about to expire.")]
    public async Task<CallToolResult> ListExceptionsAsync(
        [Description("Only exceptions of this loop id (for example 'scm.procurement'); omit for all.")] string? loop_id = null,
        [Description("Which kinds to list: any of 'error', 'sla_breach', 'guard_failures', 'expiring_recommendations'; omit for all.")] string[]? kinds = null,
        [Description("A recommendation counts as about to expire when it expires within this many minutes, 1 to 10080 (default 60).")] int expiring_within_minutes = 60,
        [Description("A guard counts as repeatedly failing after this many hard failures on one aggregate and transition, 1 to 1000 (default 2).")] int min_guard_failures = 2,
        [Description("The most items to return per kind, 1 to the gateway's maximum page size (default 50).")] int? limit = null,
        CancellationToken cancellationToken = default)
    {
        string[] known = ["error", "sla_breach", "guard_failures", "expiring_recommendations"];
        var wanted = kinds is null || kinds.Length == 0 ? known : kinds;
        var unknown = wanted.Where(k => !known.Contains(k, StringComparer.Ordinal)).ToList();
        if (unknown.Count > 0)
        {
            throw new McpException($"kinds {string.Join(", ", unknown.Select(k => $"'{LoopGateway.Printable(k)}'"))} not recognised. Valid kinds are: {string.Join(", ", known)}.");
        }

        if (expiring_within_minutes is < 1 or > 10080)
        {
            throw new McpException($"expiring_within_minutes {expiring_within_minutes} is outside the valid range 1 to 10080 (one week).");
        }

        if (min_guard_failures is < 1 or > 1000)
        {
            throw new McpException($"min_guard_failures {min_guard_failures} is outside the valid range 1 to 1000.");
        }

        var size = gateway.CheckPageSize(limit, DefaultPageSize);
        var loopId = string.IsNullOrEmpty(loop_id) ? null : gateway.RequireDefinition(loop_id).Id;
        var now = gateway.Time.GetUtcNow();
        var result = new JsonObject();
        var text = new StringBuilder();

        if (wanted.Contains("error"))
        {
            var page = await gateway.Engine.ListInstancesAsync(new InstanceQuery { OrgId = gateway.Org, LoopId = loopId, Statuses = [LoopStatus.Error], PageSize = size }, cancellationToken).ConfigureAwait(false);
            result["errors"] = new JsonArray([.. page.Items.Select(i => (JsonNode)GatewayJson.Instance(i, gateway.Time, gateway.DefinitionOf(i)))]);
            text.Append(CultureInfo.InvariantCulture, $"{page.Items.Count} loop(s) in error: {string.Join(", ", page.Items.Select(i => $"{i.AggregateId} ({i.CurrentState})"))}\n");
        }

        if (wanted.Contains("sla_breach"))
        {
            var breaches = new JsonArray();
            string? token = null;
            do
            {
                var page = await gateway.Engine.ListInstancesAsync(new InstanceQuery { OrgId = gateway.Org, LoopId = loopId, Statuses = [LoopStatus.Open, LoopStatus.InProgress], PageSize = InstanceQuery.MaxPageSize, ContinuationToken = token }, cancellationToken).ConfigureAwait(false);
                foreach (var instance in page.Items)
                {
                    var definition = gateway.DefinitionOf(instance);
                    if (breaches.Count < size && definition.TryGetState(instance.CurrentState, out var s) && s.Sla is { } sla && now - instance.UpdatedAt > sla.MaxDwell)
                    {
                        breaches.Add(GatewayJson.Instance(instance, gateway.Time, definition));
                    }
                }

                token = page.ContinuationToken;
            }
            while (token is not null && breaches.Count < size);
            result["slaBreaches"] = breaches;
            text.Append(CultureInfo.InvariantCulture, $"{breaches.Count} open loop(s) past their state's SLA\n");
        }

        if (wanted.Contains("guard_failures"))
        {
            var groups = (await gateway.GuardFailures.ReadAsync(gateway, loopId, null, cancellationToken).ConfigureAwait(false))
                .Where(g => g.Count >= min_guard_failures).Take(size).ToList();
            result["guardFailures"] = new JsonArray([.. groups.Select(g => (JsonNode)new JsonObject
            {
                ["loopId"] = g.LoopId,
                ["aggregateId"] = g.AggregateId,
                ["transitionId"] = g.TransitionId,
                ["guardId"] = g.GuardId,
                ["count"] = g.Count,
                ["lastMessage"] = g.LastMessage,
                ["lastAt"] = GatewayJson.Time(g.LastAt),
            })]);
            text.Append(CultureInfo.InvariantCulture, $"{groups.Count} repeated guard failure(s): {string.Join("; ", groups.Select(g => $"{g.AggregateId} {g.TransitionId}/{g.GuardId} x{g.Count}"))}\n");
        }

        if (wanted.Contains("expiring_recommendations"))
        {
            var horizon = now.AddMinutes(expiring_within_minutes);
            var expiring = new List<Recommendation>();
            string? token = null;
            do
            {
                var page = await gateway.Engine.ListRecommendationsAsync(new RecommendationQuery { OrgId = gateway.Org, LoopId = loopId, Statuses = [RecommendationStatus.Pending], PageSize = InstanceQuery.MaxPageSize, ContinuationToken = token }, cancellationToken).ConfigureAwait(false);
                expiring.AddRange(page.Items.Where(r => r.Status == RecommendationStatus.Pending && r.ExpiresAt <= horizon));
                token = page.ContinuationToken;
            }
            while (token is not null && expiring.Count < size);
            var shown = expiring.OrderBy(r => r.ExpiresAt).Take(size).ToList();
            result["expiringRecommendations"] = new JsonArray([.. shown.Select(r => (JsonNode)GatewayJson.Recommendation(r))]);
            text.Append(CultureInfo.InvariantCulture, $"{shown.Count} recommendation(s) expiring within {expiring_within_minutes} minute(s)\n");
        }

        return GatewayJson.Result(text.ToString().TrimEnd(), result);
    }

    private static List<string> Blockers(LoopDefinition definition, TransitionSpec transition, AgentAccess access, LoopInstance instance, IReadOnlyList<GuardFailureGroup> failures)
    {
        var blockers = new List<string>();
        if (access == AgentAccess.None)
        {
            blockers.Add(AgentAccessRules.Explain(definition, transition, access));
        }

        if (transition.RequiredEvidence.Count > 0)
        {
            blockers.Add($"evidence must include: {string.Join(", ", transition.RequiredEvidence)}");
        }

        foreach (var guard in transition.Guards)
        {
            blockers.Add(guard switch
            {
                { Severity: GuardSeverity.Soft } => $"soft guard '{guard.Id}' ({guard.Description}) only records a warning when it fails",
                { EvaluatedBy: GuardEvaluator.External } => $"external guard '{guard.Id}' ({guard.Description}): unless the host evaluates it, only a permitted approver's approval satisfies it; evidence from an agent never does",
                _ => $"guard '{guard.Id}' must pass ({guard.Description}); when it fails: {guard.FailureMessage}",
            });
        }

        if (transition.Roles.Count > 0)
        {
            blockers.Add($"the executing or approving actor needs a role: {string.Join(", ", transition.Roles)}");
        }

        foreach (var pending in instance.PendingRecommendations.Where(r => r.TransitionId == transition.Id))
        {
            blockers.Add($"already recommended by {pending.Recommender.Id} as {pending.Id}, awaiting approval until {GatewayJson.Time(pending.ExpiresAt)}");
        }

        foreach (var failure in failures.Where(f => f.TransitionId == transition.Id))
        {
            blockers.Add($"guard '{failure.GuardId}' failed {failure.Count} time(s) here, last: {failure.LastMessage}");
        }

        return blockers;
    }
}
