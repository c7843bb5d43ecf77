using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelContextProtocol;

namespace LoopEngine.Mcp;

/// <summary>
/// What every tool shares: the engine, the configured agent and org, the clock, and input validation that turns
/// bad input into tool errors naming the problem and the alternatives, before anything is written.
/// </summary>
internal sealed class LoopGateway : IDisposable
{
    private readonly LoopEngineMcpOptions _options;
    private readonly LoopEngineOptions _engineOptions;
    private readonly Actor _agent;

    public LoopGateway(ILoopEngine engine, IOptions<LoopEngineMcpOptions> options, IOptions<LoopEngineOptions> engineOptions, TimeProvider time, ILogger<LoopGateway> logger)
    {
        Engine = engine;
        _options = options.Value;
        _engineOptions = engineOptions.Value;
        Time = time;
        Logger = logger;
        Org = _options.OrgId ?? _engineOptions.DefaultOrgId;
        _agent = Actor.AiAgent(_options.AgentId, _options.ModelId, _options.Provider, _options.DefaultConfidence);
    }

    public ILoopEngine Engine { get; }

    /// <summary>Gets the index of hard guard failures, kept up to date from the event stream on each read.</summary>
    public GuardFailureIndex GuardFailures { get; } = new();

    public void Dispose() => GuardFailures.Dispose();

    public TimeProvider Time { get; }

    public ILogger Logger { get; }

    /// <summary>Gets the only org the agent sees.</summary>
    public string Org { get; }

    public int MaxPageSize => _options.MaxPageSize;

    /// <summary>Gets the configured agent, with a per-call confidence when one is stated.</summary>
    public Actor Agent(double? confidence = null)
    {
        if (confidence is null)
        {
            return _agent;
        }

        if (double.IsNaN(confidence.Value) || confidence < 0 || confidence > 1)
        {
            throw new McpException($"confidence {confidence.Value.ToString(CultureInfo.InvariantCulture)} is outside the valid range 0 to 1. Omit it to record the configured default.");
        }

        return _agent.WithConfidence(confidence);
    }

    public LoopDefinition RequireDefinition(string? loopId, string? version = null)
    {
        if (string.IsNullOrWhiteSpace(loopId))
        {
            throw new McpException($"loop_id is required. Registered loops are: {RegisteredLoops()}.");
        }

        try
        {
            return Engine.GetDefinition(loopId, string.IsNullOrEmpty(version) ? null : version);
        }
        catch (UnknownLoopException ex)
        {
            throw new McpException(ex.Message + " Use list_loop_definitions to see them.", ex);
        }
    }

    public string RegisteredLoops()
    {
        var keys = Engine.GetDefinitions().Select(d => d.Key).ToList();
        return keys.Count == 0 ? "none" : string.Join(", ", keys);
    }

    public LoopDefinition DefinitionOf(LoopInstance instance) => Engine.GetDefinition(instance.LoopId, instance.DefinitionVersion);

    /// <summary>Reads an instance of the configured org, or fails naming open loops the agent could mean.</summary>
    public async ValueTask<LoopInstance> RequireInstanceAsync(string? aggregateId, CancellationToken cancellationToken)
    {
        var id = RequireId(aggregateId, "aggregate_id");
        LoopInstance? instance;
        try
        {
            instance = await Engine.GetInstanceAsync(id, Org, cancellationToken).ConfigureAwait(false);
        }
        catch (ArgumentException ex)
        {
            throw new McpException($"aggregate_id is not valid: {ex.Message}", ex);
        }

        if (instance is not null)
        {
            return instance;
        }

        var open = await Engine.ListInstancesAsync(new InstanceQuery { OrgId = Org, Statuses = [LoopStatus.Open, LoopStatus.InProgress], PageSize = 20 }, cancellationToken).ConfigureAwait(false);
        var names = open.Items.Select(i => i.AggregateId).ToList();
        throw new McpException(
            $"No loop exists for aggregate '{Printable(id)}'. Open loops are: {(names.Count == 0 ? "none" : string.Join(", ", names))}{(open.ContinuationToken is null ? string.Empty : ", ...")} (use list_open_loops to page through them).");
    }

    public static TransitionSpec RequireTransitionFromCurrentState(LoopDefinition definition, LoopInstance instance, string? transitionId)
    {
        var outgoing = definition.TransitionsFrom(instance.CurrentState);
        var alternatives = outgoing.Count == 0 ? "none (the state has no outgoing transitions)" : string.Join(", ", outgoing.Select(t => t.Id));
        if (instance.IsEnded)
        {
            throw new McpException($"Loop '{instance.LoopId}' for aggregate '{instance.AggregateId}' has ended (status {instance.Status} in state {instance.CurrentState}): no transition can move it.");
        }

        if (string.IsNullOrWhiteSpace(transitionId))
        {
            throw new McpException($"transition_id is required. From state {instance.CurrentState} the transitions are: {alternatives}.");
        }

        if (!definition.TryGetTransition(transitionId, out var transition))
        {
            throw new McpException($"Transition '{Printable(transitionId)}' is not defined for loop '{definition.Id}'. From state {instance.CurrentState} the transitions are: {alternatives}.");
        }

        if (!string.Equals(transition.From, instance.CurrentState, StringComparison.Ordinal))
        {
            throw new McpException($"Transition '{transition.Id}' leaves state {transition.From}, but aggregate '{instance.AggregateId}' is in state {instance.CurrentState}. From state {instance.CurrentState} the transitions are: {alternatives}.");
        }

        return transition;
    }

    /// <summary>Validates evidence with the engine's limits: a JSON object (or a string holding one), within size and depth, without duplicate names.</summary>
    public Evidence ParseEvidence(JsonElement? evidence)
    {
        if (evidence is not { } element || element.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            return Evidence.Empty;
        }

        try
        {
            return element.ValueKind == JsonValueKind.String
                ? Evidence.Parse(element.GetString()!, _engineOptions.MaxEvidenceBytes, _engineOptions.MaxEvidenceDepth)
                : Evidence.FromElement(element, _engineOptions.MaxEvidenceBytes, _engineOptions.MaxEvidenceDepth);
        }
        catch (EvidenceException ex)
        {
            throw new McpException($"evidence is not acceptable: {ex.Message} Pass a JSON object of at most {_engineOptions.MaxEvidenceBytes} bytes and {_engineOptions.MaxEvidenceDepth} levels, such as {{\"shipment_scan\": \"confirmed\"}}.", ex);
        }
    }

    public int CheckPageSize(int? pageSize, int defaultSize)
    {
        var size = pageSize ?? Math.Min(defaultSize, MaxPageSize);
        if (size < 1 || size > MaxPageSize)
        {
            throw new McpException($"page_size {size} is outside the valid range 1 to {MaxPageSize}.");
        }

        return size;
    }

    public static string RequireId(string? value, string parameter)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new McpException($"{parameter} is required.");
        }

        if (value.Length > 200 || value.Any(char.IsControl))
        {
            throw new McpException($"{parameter} '{Printable(value)}' is not valid: an id is 1 to 200 characters with no control characters.");
        }

        return value;
    }

    public static string? OptionalId(string? value, string parameter) => string.IsNullOrEmpty(value) ? null : RequireId(value, parameter);

    public static string Printable(string? value)
    {
        if (value is null)
        {
            return "(null)";
        }

        var shown = new string([.. value.Take(64).Select(c => char.IsControl(c) ? '?' : c)]);
        return value.Length > 64 ? shown + "..." : shown;
    }
}
