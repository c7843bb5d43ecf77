using System.Globalization;
using System.Text;
using System.Text.Json;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace LoopEngine;

/// <summary>Turns a definition into a <see cref="DocNode"/> tree in the reference format, then into JSON or YAML.</summary>
internal static class DefinitionWriter
{
    public static DocNode ToTree(LoopDefinition definition)
    {
        var root = new List<DocProperty>();
        Add(root, "id", S(definition.Id));
        Add(root, "version", S(definition.Version));
        Add(root, "domain", S(definition.Domain));
        Add(root, "description", S(definition.Description));
        Add(root, "states", DocNode.Array(definition.States.Select(StateTree).ToList()));
        Add(root, "initialState", S(definition.InitialState));
        Add(root, "transitions", DocNode.Array(definition.Transitions.Select(TransitionTree).ToList()));
        Add(root, "outcome", OutcomeTree(definition.Outcome));
        if (definition.Participants is { } participants)
        {
            Add(root, "participants", Strings(participants));
        }

        if (definition.SpawnableLoops is { } spawnable)
        {
            Add(root, "spawnableLoops", Strings(spawnable));
        }

        var metadata = new List<DocProperty>();
        foreach (var pair in definition.Metadata.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            Add(metadata, pair.Key, DocNode.FromJson(pair.Value));
        }

        if (LoopEngineTree(definition) is { } loopengine)
        {
            Add(metadata, "loopengine", loopengine);
        }

        if (metadata.Count > 0)
        {
            Add(root, "metadata", DocNode.Object(metadata));
        }

        return DocNode.Object(root);
    }

    public static string ToJson(DocNode tree)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, NewLine = "\n" }))
        {
            tree.WriteJson(writer);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan) + "\n";
    }

    public static string ToYaml(DocNode tree)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        var emitter = new Emitter(text, new EmitterSettings().WithBestIndent(2).WithBestWidth(int.MaxValue).WithNewLine("\n"));
        emitter.Emit(new StreamStart());
        emitter.Emit(new DocumentStart());
        Emit(emitter, tree);
        emitter.Emit(new DocumentEnd(isImplicit: true));
        emitter.Emit(new StreamEnd());
        return text.ToString();
    }

    private static void Emit(IEmitter emitter, DocNode node)
    {
        switch (node.Kind)
        {
            case DocNodeKind.Object:
                emitter.Emit(new MappingStart(AnchorName.Empty, TagName.Empty, isImplicit: true, MappingStyle.Block));
                foreach (var property in node.Properties!)
                {
                    EmitString(emitter, property.Name);
                    Emit(emitter, property.Value);
                }

                emitter.Emit(new MappingEnd());
                break;
            case DocNodeKind.Array:
                var flow = node.Items!.All(i => i.Kind is not (DocNodeKind.Object or DocNodeKind.Array));
                emitter.Emit(new SequenceStart(AnchorName.Empty, TagName.Empty, isImplicit: true, flow ? SequenceStyle.Flow : SequenceStyle.Block));
                foreach (var item in node.Items!)
                {
                    Emit(emitter, item);
                }

                emitter.Emit(new SequenceEnd());
                break;
            case DocNodeKind.String:
                EmitString(emitter, node.Text!);
                break;
            case DocNodeKind.Null:
                emitter.Emit(new Scalar(AnchorName.Empty, TagName.Empty, "null", ScalarStyle.Plain, isPlainImplicit: true, isQuotedImplicit: false));
                break;
            default:
                emitter.Emit(new Scalar(AnchorName.Empty, TagName.Empty, node.Text!, ScalarStyle.Plain, isPlainImplicit: true, isQuotedImplicit: false));
                break;
        }
    }

    private static void EmitString(IEmitter emitter, string value)
    {
        // A string that would read back as null, a boolean or a number must be quoted; the emitter decides the rest.
        var style = YamlDocReader.NeedsQuotes(value) || value.Any(char.IsControl) ? ScalarStyle.DoubleQuoted : ScalarStyle.Any;
        emitter.Emit(new Scalar(AnchorName.Empty, TagName.Empty, value, style, isPlainImplicit: true, isQuotedImplicit: true));
    }

    private static DocNode StateTree(StateSpec state)
    {
        var properties = new List<DocProperty>();
        Add(properties, "id", S(state.Id));
        if (state.Description is { } description)
        {
            Add(properties, "description", S(description));
        }

        if (state.IsTerminal)
        {
            Add(properties, "isTerminal", DocNode.Bool(true));
        }

        if (state.IsError)
        {
            Add(properties, "isError", DocNode.Bool(true));
        }

        return DocNode.Object(properties);
    }

    private static DocNode TransitionTree(TransitionSpec transition)
    {
        var properties = new List<DocProperty>();
        Add(properties, "id", S(transition.Id));
        Add(properties, "from", S(transition.From));
        Add(properties, "to", S(transition.To));
        Add(properties, "allowedActors", Actors(transition.AllowedActors));
        if (transition.Guards.Count > 0)
        {
            Add(properties, "guards", DocNode.Array(transition.Guards.Select(g => DocNode.Object(
            [
                new("id", 0, S(g.Id)),
                new("description", 0, S(g.Description)),
                new("failureMessage", 0, S(g.FailureMessage)),
                new("severity", 0, S(g.Severity == GuardSeverity.Soft ? "soft" : "hard")),
                new("evaluatedBy", 0, S(g.EvaluatedBy switch { GuardEvaluator.Module => "module", GuardEvaluator.External => "external", _ => "runtime" })),
            ])).ToList()));
        }

        if (transition.SideEffects.Count > 0)
        {
            Add(properties, "sideEffects", DocNode.Array(transition.SideEffects.Select(e => DocNode.Object(
            [
                new("id", 0, S(e.Id)),
                new("description", 0, S(e.Description)),
                new("triggeredBy", 0, S(e.TriggeredBy)),
            ])).ToList()));
        }

        if (transition.Description is { } description)
        {
            Add(properties, "description", S(description));
        }

        return DocNode.Object(properties);
    }

    private static DocNode OutcomeTree(OutcomeSpec outcome)
    {
        var properties = new List<DocProperty>();
        Add(properties, "id", S(outcome.Id));
        Add(properties, "description", S(outcome.Description));
        Add(properties, "valueUnit", S(outcome.ValueUnit));
        Add(properties, "measurable", DocNode.Bool(outcome.Measurable));
        if (outcome.HasBusinessMetricsProperty || outcome.BusinessMetrics.Count > 0)
        {
            Add(properties, "businessMetrics", DocNode.Array(outcome.BusinessMetrics.Select(m => DocNode.Object(
            [
                new("id", 0, S(m.Id)),
                new("label", 0, S(m.Label)),
                new("unit", 0, S(m.Unit)),
                new("improvableByAI", 0, DocNode.Bool(m.ImprovableByAi)),
            ])).ToList()));
        }

        return DocNode.Object(properties);
    }

    private static DocNode? LoopEngineTree(LoopDefinition definition)
    {
        var properties = new List<DocProperty>();
        var policy = new List<DocProperty>();
        var defaults = LoopPolicy.Default;
        if (!definition.Policy.RecommendOnly.SequenceEqual(defaults.RecommendOnly))
        {
            Add(policy, "recommendOnly", Actors(definition.Policy.RecommendOnly));
        }

        if (!definition.Policy.Recommenders.SequenceEqual(defaults.Recommenders))
        {
            Add(policy, "recommenders", Actors(definition.Policy.Recommenders));
        }

        if (!definition.Policy.Approvers.SequenceEqual(defaults.Approvers))
        {
            Add(policy, "approvers", Actors(definition.Policy.Approvers));
        }

        if (policy.Count > 0)
        {
            Add(properties, "policy", DocNode.Object(policy));
        }

        var transitions = new List<DocProperty>();
        foreach (var t in definition.Transitions)
        {
            var entry = new List<DocProperty>();
            if (t.Approvers is { } approvers)
            {
                Add(entry, "approvers", Actors(approvers));
            }

            if (t.Roles.Count > 0)
            {
                Add(entry, "roles", Strings(t.Roles));
            }

            if (!t.FourEyes)
            {
                Add(entry, "fourEyes", DocNode.Bool(false));
            }

            if (t.AiMayExecute)
            {
                Add(entry, "aiMayExecute", DocNode.Bool(true));
            }

            if (t.RequiredEvidence.Count > 0)
            {
                Add(entry, "requiredEvidence", Strings(t.RequiredEvidence));
            }

            if (t.RecommendationTtl is { } ttl)
            {
                Add(entry, "recommendationTtl", S(IsoDuration.Format(ttl)));
            }

            if (t.Spawns.Count > 0)
            {
                Add(entry, "spawns", Strings(t.Spawns));
            }

            if (entry.Count > 0)
            {
                Add(transitions, t.Id, DocNode.Object(entry));
            }
        }

        if (transitions.Count > 0)
        {
            Add(properties, "transitions", DocNode.Object(transitions));
        }

        var states = new List<DocProperty>();
        foreach (var state in definition.States)
        {
            if (state.Sla is not { } sla)
            {
                continue;
            }

            var slaProperties = new List<DocProperty>();
            Add(slaProperties, "maxDwell", S(IsoDuration.Format(sla.MaxDwell)));
            if (sla.BreachTransition is not null || !sla.RaiseEvent)
            {
                Add(slaProperties, "onBreach", DocNode.Object(
                [
                    new("transition", 0, sla.BreachTransition is { } breach ? S(breach) : DocNode.Null()),
                    new("event", 0, DocNode.Bool(sla.RaiseEvent)),
                ]));
            }

            Add(states, state.Id, DocNode.Object([new("sla", 0, DocNode.Object(slaProperties))]));
        }

        if (states.Count > 0)
        {
            Add(properties, "states", DocNode.Object(states));
        }

        var metrics = new List<DocProperty>();
        foreach (var metric in definition.Outcome.BusinessMetrics)
        {
            var entry = new List<DocProperty>();
            if (metric.Kind is { } kind)
            {
                Add(entry, "kind", S(kind switch { OutcomeMetricKind.Duration => "duration", OutcomeMetricKind.Category => "category", OutcomeMetricKind.Boolean => "boolean", _ => "number" }));
            }

            if (metric.KindUnit is { } unit)
            {
                Add(entry, "unit", S(unit));
            }

            if (metric.Updates is { } updates)
            {
                Add(entry, "updates", S(updates));
            }

            if (entry.Count > 0)
            {
                Add(metrics, metric.Id, DocNode.Object(entry));
            }
        }

        if (metrics.Count > 0)
        {
            Add(properties, "outcome", DocNode.Object([new("metrics", 0, DocNode.Object(metrics))]));
        }

        return properties.Count > 0 ? DocNode.Object(properties) : null;
    }

    private static void Add(List<DocProperty> properties, string name, DocNode value) => properties.Add(new DocProperty(name, 0, value));

    private static DocNode S(string? value) => value is null ? DocNode.Null() : DocNode.String(value);

    private static DocNode Strings(IEnumerable<string> values) => DocNode.Array(values.Select(v => DocNode.String(v)).ToList());

    private static DocNode Actors(IEnumerable<ActorType> values) => DocNode.Array(values.Select(v => DocNode.String(System.Enum.IsDefined(v) ? v.ToWireName() : v.ToString())).ToList());
}
