using System.Text.Json;

namespace LoopEngine;

/// <summary>
/// Maps a <see cref="DocNode"/> tree in the reference format (plus <c>metadata.loopengine</c>) onto the model,
/// collecting every problem with its path and line instead of stopping at the first.
/// </summary>
internal sealed class DefinitionReader
{
    private static readonly string[] RootProperties = ["id", "version", "domain", "description", "states", "initialState", "transitions", "outcome", "participants", "spawnableLoops", "metadata"];
    private static readonly string[] StateProperties = ["id", "description", "isTerminal", "isError"];
    private static readonly string[] TransitionProperties = ["id", "from", "to", "allowedActors", "guards", "sideEffects", "description"];
    private static readonly string[] GuardProperties = ["id", "description", "failureMessage", "severity", "evaluatedBy"];
    private static readonly string[] SideEffectProperties = ["id", "description", "triggeredBy"];
    private static readonly string[] OutcomeProperties = ["id", "description", "valueUnit", "measurable", "businessMetrics"];
    private static readonly string[] MetricProperties = ["id", "label", "unit", "improvableByAI"];
    private static readonly string[] LoopEngineProperties = ["policy", "transitions", "states", "outcome"];
    private static readonly string[] PolicyProperties = ["recommendOnly", "recommenders", "approvers"];
    private static readonly string[] TransitionExtensionProperties = ["approvers", "roles", "fourEyes", "aiMayExecute", "requiredEvidence", "recommendationTtl", "spawns"];
    private static readonly string[] StateExtensionProperties = ["sla"];
    private static readonly string[] SlaProperties = ["maxDwell", "onBreach"];
    private static readonly string[] OnBreachProperties = ["transition", "event"];
    private static readonly string[] OutcomeExtensionProperties = ["metrics"];
    private static readonly string[] MetricExtensionProperties = ["kind", "unit", "updates"];
    private static readonly string[] MetricKinds = ["number", "duration", "category", "boolean"];

    private readonly List<DefinitionProblem> _problems;
    private readonly Dictionary<string, int> _lines = new(StringComparer.Ordinal);

    private DefinitionReader(List<DefinitionProblem> problems) => _problems = problems;

    /// <summary>Maps the tree; always returns a definition (with empty values where the input was unusable) so the validator can add its findings.</summary>
    /// <param name="root">The document.</param>
    /// <param name="problems">Receives every mapping problem.</param>
    /// <param name="lineOf">Finds the source line of a model path (for the validator's problems).</param>
    /// <returns>The definition, not yet validated.</returns>
    public static LoopDefinition Read(DocNode root, List<DefinitionProblem> problems, out Func<string, int?> lineOf)
    {
        var reader = new DefinitionReader(problems);
        var definition = reader.ReadRoot(root);
        lineOf = reader.LineOf;
        return definition;
    }

    private int? LineOf(string path)
    {
        for (var candidate = path; candidate.Length > 0;)
        {
            if (_lines.TryGetValue(candidate, out var line))
            {
                return line;
            }

            var cut = Math.Max(candidate.LastIndexOf('.'), candidate.LastIndexOf('['));
            candidate = cut > 0 ? candidate[..cut] : string.Empty;
        }

        return _lines.TryGetValue("$", out var rootLine) ? rootLine : null;
    }

    private void Problem(string path, string message, int line) => _problems.Add(new DefinitionProblem(path, message, line > 0 ? line : null));

    private void Mark(string path, int line)
    {
        if (line > 0)
        {
            _lines.TryAdd(path, line);
        }
    }

    private static string Join(string path, string name) => path.Length == 0 || path == "$" ? name : path + "." + name;

    private Dictionary<string, DocProperty>? Object(DocNode? node, string path, string[] allowed, string what)
    {
        if (node is null)
        {
            return null;
        }

        Mark(path, node.Line);
        if (node.Kind != DocNodeKind.Object)
        {
            Problem(path, $"{what} must be an object, but is {node.Describe()}.", node.Line);
            return null;
        }

        var result = new Dictionary<string, DocProperty>(StringComparer.Ordinal);
        foreach (var property in node.Properties!)
        {
            var propertyPath = Join(path, property.Name);
            Mark(propertyPath, property.Line);
            if (Array.IndexOf(allowed, property.Name) < 0)
            {
                Problem(propertyPath, $"Unknown property '{Identifiers.Printable(property.Name)}' in {what}. Valid properties are: {string.Join(", ", allowed)}.", property.Line);
                continue;
            }

            result[property.Name] = property;
        }

        return result;
    }

    private DocNode? Required(Dictionary<string, DocProperty>? obj, DocNode parent, string path, string name, string what)
    {
        if (obj is null)
        {
            return null;
        }

        if (obj.TryGetValue(name, out var property))
        {
            return property.Value;
        }

        Problem(Join(path, name), $"Required property '{name}' of {what} is missing.", parent.Line);
        return null;
    }

    private static DocNode? Optional(Dictionary<string, DocProperty>? obj, string name) =>
        obj is not null && obj.TryGetValue(name, out var property) ? property.Value : null;

    private string? String(DocNode? node, string path, bool allowNull = false)
    {
        if (node is null)
        {
            return null;
        }

        Mark(path, node.Line);
        switch (node.Kind)
        {
            case DocNodeKind.String:
                return node.Text;
            case DocNodeKind.Number or DocNodeKind.Bool when node.PlainScalar:
                // An unquoted YAML scalar such as 2.0 or yes is text the author meant as a string.
                return node.Text;
            case DocNodeKind.Null when allowNull:
                return null;
            default:
                Problem(path, $"Expected a string{(allowNull ? " or null" : string.Empty)}, but found {node.Describe()}.", node.Line);
                return null;
        }
    }

    private bool? Boolean(DocNode? node, string path)
    {
        if (node is null)
        {
            return null;
        }

        Mark(path, node.Line);
        if (node.Kind == DocNodeKind.Bool)
        {
            return node.Text == "true";
        }

        Problem(path, $"Expected a boolean (true or false), but found {node.Describe()}.", node.Line);
        return null;
    }

    private List<(DocNode Node, string Path)>? List(DocNode? node, string path)
    {
        if (node is null)
        {
            return null;
        }

        Mark(path, node.Line);
        if (node.Kind != DocNodeKind.Array)
        {
            Problem(path, $"Expected an array, but found {node.Describe()}.", node.Line);
            return null;
        }

        var items = new List<(DocNode, string)>(node.Items!.Count);
        for (var i = 0; i < node.Items.Count; i++)
        {
            var itemPath = DocNode.Invariant($"{path}[{i}]");
            Mark(itemPath, node.Items[i].Line);
            items.Add((node.Items[i], itemPath));
        }

        return items;
    }

    private List<string>? Strings(DocNode? node, string path)
    {
        var items = List(node, path);
        if (items is null)
        {
            return null;
        }

        var result = new List<string>(items.Count);
        foreach (var (item, itemPath) in items)
        {
            if (String(item, itemPath) is { } value)
            {
                result.Add(value);
            }
        }

        return result;
    }

    private List<ActorType>? Actors(DocNode? node, string path)
    {
        var items = List(node, path);
        if (items is null)
        {
            return null;
        }

        var result = new List<ActorType>(items.Count);
        foreach (var (item, itemPath) in items)
        {
            if (String(item, itemPath) is not { } name)
            {
                continue;
            }

            if (ActorTypes.TryParse(name, out var type))
            {
                result.Add(type);
            }
            else
            {
                Problem(itemPath, $"'{Identifiers.Printable(name)}' is not a valid actor type. Valid actor types are: {string.Join(", ", ActorTypes.WireNames)}.", item.Line);
            }
        }

        return result;
    }

    private T? Enum<T>(DocNode? node, string path, string[] names, T[] values, string what)
        where T : struct
    {
        if (String(node, path) is not { } text)
        {
            return null;
        }

        var index = Array.IndexOf(names, text);
        if (index >= 0)
        {
            return values[index];
        }

        Problem(path, $"'{Identifiers.Printable(text)}' is not a valid {what}. Valid values are: {string.Join(", ", names)}.", node!.Line);
        return null;
    }

    private TimeSpan? Duration(DocNode? node, string path)
    {
        if (String(node, path, allowNull: true) is not { } text)
        {
            return null;
        }

        if (IsoDuration.TryParse(text, out var value))
        {
            return value;
        }

        Problem(path, $"'{Identifiers.Printable(text)}' is not a valid duration: use {IsoDuration.Rule}.", node!.Line);
        return null;
    }

    private LoopDefinition ReadRoot(DocNode root)
    {
        Mark("$", root.Line);
        var obj = Object(root, "$", RootProperties, "the loop definition");

        var id = String(Required(obj, root, "$", "id", "the loop definition"), "id") ?? string.Empty;
        var version = String(Required(obj, root, "$", "version", "the loop definition"), "version") ?? string.Empty;
        var domain = String(Required(obj, root, "$", "domain", "the loop definition"), "domain") ?? string.Empty;
        var description = String(Required(obj, root, "$", "description", "the loop definition"), "description") ?? string.Empty;
        var initialState = String(Required(obj, root, "$", "initialState", "the loop definition"), "initialState") ?? string.Empty;

        var states = new List<StateSpec>();
        var statesNode = Required(obj, root, "$", "states", "the loop definition");
        if (List(statesNode, "states") is { } stateItems)
        {
            if (stateItems.Count == 0)
            {
                Problem("states", "The loop has no states (at least one is required): declare an initial state and a terminal state.", statesNode!.Line);
            }

            foreach (var (item, path) in stateItems)
            {
                states.Add(ReadState(item, path));
            }
        }

        var transitions = new List<TransitionSpec>();
        if (List(Required(obj, root, "$", "transitions", "the loop definition"), "transitions") is { } transitionItems)
        {
            foreach (var (item, path) in transitionItems)
            {
                transitions.Add(ReadTransition(item, path));
            }
        }

        var outcomeNode = Required(obj, root, "$", "outcome", "the loop definition");
        var outcome = outcomeNode is null ? new OutcomeSpec(string.Empty, string.Empty, string.Empty) { HasBusinessMetricsProperty = false } : ReadOutcome(outcomeNode);
        var participants = Strings(Optional(obj, "participants"), "participants");
        var spawnable = Strings(Optional(obj, "spawnableLoops"), "spawnableLoops");

        var policy = LoopPolicy.Default;
        var metadata = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        if (Optional(obj, "metadata") is { } metadataNode)
        {
            Mark("metadata", metadataNode.Line);
            if (metadataNode.Kind != DocNodeKind.Object)
            {
                Problem("metadata", $"metadata must be an object, but is {metadataNode.Describe()}.", metadataNode.Line);
            }
            else
            {
                foreach (var property in metadataNode.Properties!)
                {
                    if (property.Name == "loopengine")
                    {
                        policy = ReadLoopEngine(property.Value, states, transitions, ref outcome);
                    }
                    else
                    {
                        metadata[property.Name] = property.Value.ToJsonElement();
                    }
                }
            }
        }

        return new LoopDefinition(id, version, domain, description, states, initialState, transitions, outcome, participants, spawnable, policy, metadata);
    }

    private StateSpec ReadState(DocNode node, string path)
    {
        var obj = Object(node, path, StateProperties, "a state");
        return new StateSpec(String(Required(obj, node, path, "id", "a state"), path + ".id") ?? string.Empty)
        {
            Description = String(Optional(obj, "description"), path + ".description"),
            IsTerminal = Boolean(Optional(obj, "isTerminal"), path + ".isTerminal") ?? false,
            IsError = Boolean(Optional(obj, "isError"), path + ".isError") ?? false,
        };
    }

    private TransitionSpec ReadTransition(DocNode node, string path)
    {
        var obj = Object(node, path, TransitionProperties, "a transition");
        var id = String(Required(obj, node, path, "id", "a transition"), path + ".id") ?? string.Empty;
        var from = String(Required(obj, node, path, "from", "a transition"), path + ".from") ?? string.Empty;
        var to = String(Required(obj, node, path, "to", "a transition"), path + ".to") ?? string.Empty;
        var actorsNode = Required(obj, node, path, "allowedActors", "a transition");
        var actors = Actors(actorsNode, path + ".allowedActors");
        var guards = new List<GuardSpec>();
        if (List(Optional(obj, "guards"), path + ".guards") is { } guardItems)
        {
            foreach (var (item, guardPath) in guardItems)
            {
                var guard = Object(item, guardPath, GuardProperties, "a guard");
                guards.Add(new GuardSpec(
                    String(Required(guard, item, guardPath, "id", "a guard"), guardPath + ".id") ?? string.Empty,
                    String(Required(guard, item, guardPath, "description", "a guard"), guardPath + ".description") ?? string.Empty,
                    String(Required(guard, item, guardPath, "failureMessage", "a guard"), guardPath + ".failureMessage") ?? string.Empty,
                    Enum(Required(guard, item, guardPath, "severity", "a guard"), guardPath + ".severity", ["hard", "soft"], [GuardSeverity.Hard, GuardSeverity.Soft], "guard severity") ?? GuardSeverity.Hard,
                    Enum(Required(guard, item, guardPath, "evaluatedBy", "a guard"), guardPath + ".evaluatedBy", ["runtime", "module", "external"], [GuardEvaluator.Runtime, GuardEvaluator.Module, GuardEvaluator.External], "guard evaluator") ?? GuardEvaluator.Runtime));
            }
        }

        var sideEffects = new List<SideEffectSpec>();
        if (List(Optional(obj, "sideEffects"), path + ".sideEffects") is { } effectItems)
        {
            foreach (var (item, effectPath) in effectItems)
            {
                var effect = Object(item, effectPath, SideEffectProperties, "a side effect");
                sideEffects.Add(new SideEffectSpec(
                    String(Required(effect, item, effectPath, "id", "a side effect"), effectPath + ".id") ?? string.Empty,
                    String(Required(effect, item, effectPath, "description", "a side effect"), effectPath + ".description") ?? string.Empty,
                    String(Required(effect, item, effectPath, "triggeredBy", "a side effect"), effectPath + ".triggeredBy") ?? string.Empty));
            }
        }

        return new TransitionSpec(id, from, to)
        {
            AllowedActors = actors ?? [],
            Guards = guards,
            SideEffects = sideEffects,
            Description = String(Optional(obj, "description"), path + ".description"),
        };
    }

    private OutcomeSpec ReadOutcome(DocNode node)
    {
        const string path = "outcome";
        var obj = Object(node, path, OutcomeProperties, "the outcome");
        var metricsNode = Optional(obj, "businessMetrics");
        var metrics = new List<BusinessMetric>();
        if (List(metricsNode, path + ".businessMetrics") is { } items)
        {
            foreach (var (item, metricPath) in items)
            {
                var metric = Object(item, metricPath, MetricProperties, "a business metric");
                metrics.Add(new BusinessMetric(
                    String(Required(metric, item, metricPath, "id", "a business metric"), metricPath + ".id") ?? string.Empty,
                    String(Required(metric, item, metricPath, "label", "a business metric"), metricPath + ".label") ?? string.Empty,
                    String(Required(metric, item, metricPath, "unit", "a business metric"), metricPath + ".unit") ?? string.Empty,
                    Boolean(Required(metric, item, metricPath, "improvableByAI", "a business metric"), metricPath + ".improvableByAI") ?? false));
            }
        }

        return new OutcomeSpec(
            String(Required(obj, node, path, "id", "the outcome"), path + ".id") ?? string.Empty,
            String(Required(obj, node, path, "description", "the outcome"), path + ".description") ?? string.Empty,
            String(Required(obj, node, path, "valueUnit", "the outcome"), path + ".valueUnit") ?? string.Empty,
            Boolean(Required(obj, node, path, "measurable", "the outcome"), path + ".measurable") ?? false)
        {
            BusinessMetrics = metrics,
            HasBusinessMetricsProperty = metricsNode is not null,
        };
    }

    private LoopPolicy ReadLoopEngine(DocNode node, List<StateSpec> states, List<TransitionSpec> transitions, ref OutcomeSpec outcome)
    {
        const string path = "metadata.loopengine";
        var obj = Object(node, path, LoopEngineProperties, "metadata.loopengine");
        var policy = LoopPolicy.Default;
        if (Object(Optional(obj, "policy"), path + ".policy", PolicyProperties, "metadata.loopengine.policy") is { } policyObj)
        {
            policy = new LoopPolicy
            {
                RecommendOnly = Actors(Optional(policyObj, "recommendOnly"), path + ".policy.recommendOnly") ?? policy.RecommendOnly,
                Recommenders = Actors(Optional(policyObj, "recommenders"), path + ".policy.recommenders") ?? policy.Recommenders,
                Approvers = Actors(Optional(policyObj, "approvers"), path + ".policy.approvers") ?? policy.Approvers,
            };
        }

        if (Optional(obj, "transitions") is { } transitionsNode)
        {
            foreach (var (key, value, entryPath, line) in Entries(transitionsNode, path + ".transitions"))
            {
                var index = transitions.FindIndex(t => t.Id == key);
                if (index < 0)
                {
                    Problem(entryPath, $"metadata.loopengine.transitions names transition '{Identifiers.Printable(key)}', which the loop does not define. Its transitions are: {Names(transitions.Select(t => t.Id))}.", line);
                    continue;
                }

                transitions[index] = ReadTransitionExtension(value, entryPath, transitions[index], DocNode.Invariant($"transitions[{index}]"));
            }
        }

        if (Optional(obj, "states") is { } statesNode)
        {
            foreach (var (key, value, entryPath, line) in Entries(statesNode, path + ".states"))
            {
                var index = states.FindIndex(s => s.Id == key);
                if (index < 0)
                {
                    Problem(entryPath, $"metadata.loopengine.states names state '{Identifiers.Printable(key)}', which the loop does not define. Its states are: {Names(states.Select(s => s.Id))}.", line);
                    continue;
                }

                var stateObj = Object(value, entryPath, StateExtensionProperties, "a metadata.loopengine state entry");
                if (Optional(stateObj, "sla") is { } slaNode && slaNode.Kind != DocNodeKind.Null)
                {
                    var modelPath = DocNode.Invariant($"states[{index}].sla");
                    Mark(modelPath, slaNode.Line);
                    var sla = ReadSla(slaNode, entryPath + ".sla", modelPath);
                    if (sla is not null)
                    {
                        states[index] = states[index] with { Sla = sla };
                    }
                }
            }
        }

        if (Object(Optional(obj, "outcome"), path + ".outcome", OutcomeExtensionProperties, "metadata.loopengine.outcome") is { } outcomeObj
            && Optional(outcomeObj, "metrics") is { } metricsNode)
        {
            var metrics = outcome.BusinessMetrics.ToList();
            foreach (var (key, value, entryPath, line) in Entries(metricsNode, path + ".outcome.metrics"))
            {
                var index = metrics.FindIndex(m => m.Id == key);
                if (index < 0)
                {
                    Problem(entryPath, $"metadata.loopengine.outcome.metrics names metric '{Identifiers.Printable(key)}', which outcome.businessMetrics does not declare. Its metrics are: {Names(metrics.Select(m => m.Id))}.", line);
                    continue;
                }

                var metricObj = Object(value, entryPath, MetricExtensionProperties, "a metadata.loopengine metric entry");
                metrics[index] = metrics[index] with
                {
                    Kind = Enum(Optional(metricObj, "kind"), entryPath + ".kind", MetricKinds, [OutcomeMetricKind.Number, OutcomeMetricKind.Duration, OutcomeMetricKind.Category, OutcomeMetricKind.Boolean], "metric kind"),
                    KindUnit = String(Optional(metricObj, "unit"), entryPath + ".unit"),
                    Updates = String(Optional(metricObj, "updates"), entryPath + ".updates"),
                };
                Mark(DocNode.Invariant($"outcome.businessMetrics[{index}].kind"), value.Line);
            }

            outcome = outcome with { BusinessMetrics = metrics };
        }

        return policy;
    }

    private TransitionSpec ReadTransitionExtension(DocNode node, string path, TransitionSpec transition, string modelPath)
    {
        var obj = Object(node, path, TransitionExtensionProperties, "a metadata.loopengine transition entry");
        if (obj is null)
        {
            return transition;
        }

        foreach (var name in TransitionExtensionProperties)
        {
            if (obj.TryGetValue(name, out var property))
            {
                Mark(modelPath + "." + name, property.Line);
            }
        }

        return transition with
        {
            Approvers = Optional(obj, "approvers") is { Kind: not DocNodeKind.Null } approvers ? Actors(approvers, path + ".approvers") : null,
            Roles = Strings(Optional(obj, "roles"), path + ".roles") ?? [],
            FourEyes = Boolean(Optional(obj, "fourEyes"), path + ".fourEyes") ?? true,
            AiMayExecute = Boolean(Optional(obj, "aiMayExecute"), path + ".aiMayExecute") ?? false,
            RequiredEvidence = Strings(Optional(obj, "requiredEvidence"), path + ".requiredEvidence") ?? [],
            RecommendationTtl = Duration(Optional(obj, "recommendationTtl"), path + ".recommendationTtl"),
            Spawns = Strings(Optional(obj, "spawns"), path + ".spawns") ?? [],
        };
    }

    private StateSla? ReadSla(DocNode node, string path, string modelPath)
    {
        var obj = Object(node, path, SlaProperties, "an SLA");
        var maxDwellNode = Required(obj, node, path, "maxDwell", "an SLA");
        if (maxDwellNode is not null)
        {
            Mark(modelPath + ".maxDwell", maxDwellNode.Line);
        }

        var maxDwell = maxDwellNode is { Kind: DocNodeKind.Null }
            ? ReportNull(maxDwellNode, path + ".maxDwell")
            : Duration(maxDwellNode, path + ".maxDwell");
        string? breachTransition = null;
        var raiseEvent = true;
        var onBreachNode = Optional(obj, "onBreach");
        if (Object(onBreachNode, path + ".onBreach", OnBreachProperties, "onBreach") is { } onBreach)
        {
            Mark(modelPath + ".onBreach", onBreachNode!.Line);
            if (Optional(onBreach, "transition") is { } transitionNode)
            {
                Mark(modelPath + ".onBreach.transition", transitionNode.Line);
                breachTransition = String(transitionNode, path + ".onBreach.transition", allowNull: true);
            }

            raiseEvent = Boolean(Optional(onBreach, "event"), path + ".onBreach.event") ?? true;
        }

        return maxDwell is { } dwell ? new StateSla(dwell, breachTransition, raiseEvent) : null;
    }

    private TimeSpan? ReportNull(DocNode node, string path)
    {
        Problem(path, $"Expected a duration ({IsoDuration.Rule}), but found null.", node.Line);
        return null;
    }

    private IEnumerable<(string Key, DocNode Value, string Path, int Line)> Entries(DocNode node, string path)
    {
        Mark(path, node.Line);
        if (node.Kind != DocNodeKind.Object)
        {
            Problem(path, $"{path} must be an object keyed by id, but is {node.Describe()}.", node.Line);
            yield break;
        }

        foreach (var property in node.Properties!)
        {
            var entryPath = path + "." + property.Name;
            Mark(entryPath, property.Line);
            yield return (property.Name, property.Value, entryPath, property.Line);
        }
    }

    private static string Names(IEnumerable<string> names)
    {
        var list = names.Where(n => n.Length > 0).ToList();
        return list.Count == 0 ? "none" : string.Join(", ", list);
    }
}
