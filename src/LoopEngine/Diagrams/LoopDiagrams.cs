using System.Text;
using Stateless.Reflection;

namespace LoopEngine;

/// <summary>
/// Renders a loop as a diagram (Mermaid <c>stateDiagram-v2</c> or Graphviz DOT): transitions labelled with their id,
/// guards and allowed actors, the initial state, terminal states and error states. The output is deterministic
/// (declaration order), so it can be checked in and compared.
/// </summary>
public static class LoopDiagrams
{
    /// <summary>Renders the loop as a Mermaid <c>stateDiagram-v2</c>.</summary>
    /// <param name="definition">The definition.</param>
    /// <returns>The Mermaid text, with <c>\n</c> line ends.</returns>
    public static string ToMermaid(this LoopDefinition definition)
    {
        var graph = Graph.From(definition);
        var text = new StringBuilder();
        text.Append("---\ntitle: ").Append(definition.Key).Append("\n---\n");
        text.Append("stateDiagram-v2\n");
        text.Append("    [*] --> ").Append(graph.Initial).Append('\n');
        foreach (var edge in graph.Edges)
        {
            text.Append("    ").Append(edge.From).Append(" --> ").Append(edge.To).Append(" : ").Append(Label(edge.Transition, " ")).Append('\n');
        }

        foreach (var state in graph.States.Where(s => s.IsTerminal || s.IsError))
        {
            text.Append("    ").Append(state.Id).Append(" --> [*]\n");
        }

        text.Append("    classDef terminal font-weight:bold,stroke-width:3px\n");
        text.Append("    classDef error fill:#f8d7da,stroke:#c00,color:#700\n");
        foreach (var state in graph.States)
        {
            if (state.IsTerminal)
            {
                text.Append("    class ").Append(state.Id).Append(" terminal\n");
            }

            if (state.IsError)
            {
                text.Append("    class ").Append(state.Id).Append(" error\n");
            }
        }

        return text.ToString();
    }

    /// <summary>Renders the loop as a Graphviz DOT digraph.</summary>
    /// <param name="definition">The definition.</param>
    /// <returns>The DOT text, with <c>\n</c> line ends.</returns>
    public static string ToDot(this LoopDefinition definition)
    {
        var graph = Graph.From(definition);
        var text = new StringBuilder();
        text.Append("digraph ").Append(Quote(definition.Key)).Append(" {\n");
        text.Append("    rankdir=LR;\n");
        text.Append("    node [shape=box, style=rounded];\n");
        text.Append("    edge [fontsize=10];\n");
        text.Append("    \"[*]\" [shape=point, label=\"\"];\n");
        foreach (var state in graph.States)
        {
            var attributes = new List<string> { "label=" + Quote(state.Id) };
            if (state.Id == graph.Initial)
            {
                attributes.Add("style=\"rounded,bold\"");
            }

            if (state.IsTerminal)
            {
                attributes.Add("peripheries=2");
            }

            if (state.IsError)
            {
                attributes.Add("color=red");
                attributes.Add("fontcolor=red");
            }

            text.Append("    ").Append(Quote(state.Id)).Append(" [").Append(string.Join(", ", attributes)).Append("];\n");
        }

        text.Append("    \"[*]\" -> ").Append(Quote(graph.Initial)).Append(";\n");
        foreach (var edge in graph.Edges)
        {
            text.Append("    ").Append(Quote(edge.From)).Append(" -> ").Append(Quote(edge.To))
                .Append(" [label=").Append(Quote(Label(edge.Transition, "\n"))).Append("];\n");
        }

        text.Append("}\n");
        return text.ToString();
    }

    private static string Label(TransitionSpec transition, string separator)
    {
        var label = new StringBuilder(transition.Id);
        if (transition.Guards.Count > 0)
        {
            label.Append(separator).Append('[')
                .Append(string.Join(", ", transition.Guards.Select(g => g.Severity == GuardSeverity.Soft ? g.Id + " (soft)" : g.Id)))
                .Append(']');
        }

        label.Append(separator).Append('(').Append(string.Join(", ", transition.AllowedActors.Select(a => a.ToWireName()))).Append(')');
        return label.ToString();
    }

    private static string Quote(string value) =>
        "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal) + "\"";

    private sealed record Edge(string From, string To, TransitionSpec Transition);

    /// <summary>The loop's graph as read back from the configured Stateless machine, in declaration order.</summary>
    private sealed record Graph(string Initial, IReadOnlyList<StateSpec> States, IReadOnlyList<Edge> Edges)
    {
        public static Graph From(LoopDefinition definition)
        {
            ArgumentNullException.ThrowIfNull(definition);
            StateMachineInfo info = StatelessMachineFactory.Configure(definition).GetInfo();
            var order = definition.Transitions.Select((t, i) => (t.Id, i)).ToDictionary(p => p.Id, p => p.i, StringComparer.Ordinal);
            var edges = new List<Edge>();
            foreach (var state in info.States)
            {
                var from = (string)state.UnderlyingState;
                foreach (var fixedTransition in state.FixedTransitions)
                {
                    var trigger = (string)fixedTransition.Trigger.UnderlyingTrigger;
                    edges.Add(new Edge(from, (string)fixedTransition.DestinationState.UnderlyingState, definition.TryGetTransition(trigger, out var spec) ? spec : new TransitionSpec(trigger, from, from)));
                }
            }

            var states = info.States
                .Select(s => (string)s.UnderlyingState)
                .Select(id => definition.TryGetState(id, out var spec) ? spec : new StateSpec(id))
                .OrderBy(s => definition.States.ToList().FindIndex(d => d.Id == s.Id))
                .ToList();
            return new Graph(
                (string)info.InitialState.UnderlyingState,
                states,
                [.. edges.OrderBy(e => order.TryGetValue(e.Transition.Id, out var i) ? i : int.MaxValue)]);
        }
    }
}
