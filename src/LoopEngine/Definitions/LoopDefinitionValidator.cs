using System.Text.RegularExpressions;

namespace LoopEngine;

/// <summary>Checks a definition against every rule at once and reports each problem with its path.</summary>
internal static partial class LoopDefinitionValidator
{
    [GeneratedRegex("^(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)$", RegexOptions.CultureInvariant)]
    private static partial Regex SemVerPattern();

    public static bool IsSemVer(string? version) => version is { Length: <= 64 } && SemVerPattern().IsMatch(version);

    public static List<DefinitionProblem> Validate(LoopDefinition definition)
    {
        var problems = new List<DefinitionProblem>();
        void Add(string path, string message) => problems.Add(new DefinitionProblem(path, message));

        if (!Identifiers.IsLoopId(definition.Id))
        {
            Add("id", $"'{Identifiers.Printable(definition.Id)}' is not a valid loop id: {Identifiers.LoopIdRule}.");
        }

        if (!IsSemVer(definition.Version))
        {
            Add("version", $"'{Identifiers.Printable(definition.Version)}' is not a valid version: use semantic versioning 'major.minor.patch' (for example '2.0.0').");
        }

        if (!Identifiers.IsDomain(definition.Domain))
        {
            Add("domain", $"'{Identifiers.Printable(definition.Domain)}' is not a valid domain: lowercase letters, digits and underscores, starting with a letter (for example 'scm').");
        }

        if (string.IsNullOrWhiteSpace(definition.Description))
        {
            Add("description", "The description is empty: describe what the loop does.");
        }

        var stateIds = new HashSet<string>(StringComparer.Ordinal);
        if (definition.States.Count == 0)
        {
            Add("states", "The loop has no states: declare at least an initial state and a terminal state.");
        }

        for (var i = 0; i < definition.States.Count; i++)
        {
            var state = definition.States[i];
            if (!Identifiers.IsStateId(state.Id))
            {
                Add($"states[{i}].id", $"'{Identifiers.Printable(state.Id)}' is not a valid state id: {Identifiers.StateIdRule}.");
            }
            else if (!stateIds.Add(state.Id))
            {
                Add($"states[{i}].id", $"State '{state.Id}' is declared more than once: state ids must be unique.");
            }
        }

        var allStates = string.Join(", ", definition.States.Select(s => s.Id).Distinct(StringComparer.Ordinal));
        if (string.IsNullOrEmpty(definition.InitialState))
        {
            Add("initialState", $"The loop has no initial state: name one of its states: {allStates}.");
        }
        else if (!stateIds.Contains(definition.InitialState))
        {
            Add("initialState", $"Initial state '{Identifiers.Printable(definition.InitialState)}' is not a declared state. Declared states are: {allStates}.");
        }
        else if (definition.GetState(definition.InitialState).IsTerminal)
        {
            Add("initialState", $"Initial state '{definition.InitialState}' is terminal: a loop would be closed as soon as it starts. Choose a non-terminal state.");
        }

        var transitionIds = new HashSet<string>(StringComparer.Ordinal);
        var spawnable = new HashSet<string>(definition.SpawnableLoops ?? [], StringComparer.Ordinal);
        for (var i = 0; i < definition.Transitions.Count; i++)
        {
            var t = definition.Transitions[i];
            var path = $"transitions[{i}]";
            if (t.Id is { Length: > 0 } && t.Id[0] == '$')
            {
                Add($"{path}.id", $"'{Identifiers.Printable(t.Id)}' starts with '$', which is reserved for the engine's own trace entries ($start, $cancel, $fail, $migrate).");
            }
            else if (!Identifiers.IsTransitionId(t.Id))
            {
                Add($"{path}.id", $"'{Identifiers.Printable(t.Id)}' is not a valid transition id: {Identifiers.TransitionIdRule}.");
            }
            else if (!transitionIds.Add(t.Id))
            {
                Add($"{path}.id", $"Transition '{t.Id}' is declared more than once: transition ids must be unique.");
            }

            if (!stateIds.Contains(t.From))
            {
                Add($"{path}.from", $"'{Identifiers.Printable(t.From)}' is not a declared state. Declared states are: {allStates}.");
            }
            else if (definition.GetState(t.From).IsTerminal)
            {
                Add($"{path}.from", $"Transition '{t.Id}' leaves terminal state '{t.From}': a closed loop cannot move. Remove the transition or make '{t.From}' non-terminal.");
            }

            if (!stateIds.Contains(t.To))
            {
                Add($"{path}.to", $"'{Identifiers.Printable(t.To)}' is not a declared state. Declared states are: {allStates}.");
            }

            if (t.AllowedActors.Count == 0)
            {
                Add($"{path}.allowedActors", $"Transition '{t.Id}' allows no actor: name at least one of: {string.Join(", ", ActorTypes.WireNames)}.");
            }

            CheckActorList(t.AllowedActors, $"{path}.allowedActors", Add);
            if (t.Approvers is { } approvers)
            {
                if (approvers.Count == 0)
                {
                    Add($"{path}.approvers", $"Transition '{t.Id}' names an empty approver list: name at least one of: {string.Join(", ", ActorTypes.WireNames)}, or omit it to use the loop policy's approvers.");
                }

                CheckActorList(approvers, $"{path}.approvers", Add);
            }

            var guardIds = new HashSet<string>(StringComparer.Ordinal);
            for (var g = 0; g < t.Guards.Count; g++)
            {
                var guard = t.Guards[g];
                var gpath = $"{path}.guards[{g}]";
                if (!Identifiers.IsGuardId(guard.Id))
                {
                    Add($"{gpath}.id", $"'{Identifiers.Printable(guard.Id)}' is not a valid guard id: {Identifiers.GuardIdRule}.");
                }
                else if (!guardIds.Add(guard.Id))
                {
                    Add($"{gpath}.id", $"Guard '{guard.Id}' appears more than once on transition '{t.Id}': guard ids must be unique per transition.");
                }

                if (string.IsNullOrWhiteSpace(guard.Description))
                {
                    Add($"{gpath}.description", $"Guard '{guard.Id}' has no description.");
                }

                if (string.IsNullOrWhiteSpace(guard.FailureMessage))
                {
                    Add($"{gpath}.failureMessage", $"Guard '{guard.Id}' has no failure message.");
                }

                if (!Enum.IsDefined(guard.Severity))
                {
                    Add($"{gpath}.severity", $"'{guard.Severity}' is not a valid severity. Valid severities are: hard, soft.");
                }

                if (!Enum.IsDefined(guard.EvaluatedBy))
                {
                    Add($"{gpath}.evaluatedBy", $"'{guard.EvaluatedBy}' is not a valid evaluator. Valid evaluators are: runtime, module, external.");
                }
            }

            for (var e = 0; e < t.SideEffects.Count; e++)
            {
                var effect = t.SideEffects[e];
                var epath = $"{path}.sideEffects[{e}]";
                if (string.IsNullOrWhiteSpace(effect.Id))
                {
                    Add($"{epath}.id", $"A side effect of transition '{t.Id}' has no id.");
                }

                if (string.IsNullOrWhiteSpace(effect.Description))
                {
                    Add($"{epath}.description", $"Side effect '{effect.Id}' of transition '{t.Id}' has no description.");
                }

                if (string.IsNullOrWhiteSpace(effect.TriggeredBy))
                {
                    Add($"{epath}.triggeredBy", $"Side effect '{effect.Id}' of transition '{t.Id}' does not say what triggers it (triggeredBy).");
                }
            }

            var evidence = new HashSet<string>(StringComparer.Ordinal);
            for (var e = 0; e < t.RequiredEvidence.Count; e++)
            {
                var field = t.RequiredEvidence[e];
                if (string.IsNullOrWhiteSpace(field) || field.Length > 128)
                {
                    Add($"{path}.requiredEvidence[{e}]", $"'{Identifiers.Printable(field)}' is not a valid evidence field name: 1 to 128 characters.");
                }
                else if (!evidence.Add(field))
                {
                    Add($"{path}.requiredEvidence[{e}]", $"Evidence field '{field}' is required more than once on transition '{t.Id}'.");
                }
            }

            for (var r = 0; r < t.Roles.Count; r++)
            {
                if (string.IsNullOrWhiteSpace(t.Roles[r]) || t.Roles[r].Length > 128)
                {
                    Add($"{path}.roles[{r}]", $"'{Identifiers.Printable(t.Roles[r])}' is not a valid role: 1 to 128 characters.");
                }
            }

            if (t.RecommendationTtl is { } ttl && ttl <= TimeSpan.Zero)
            {
                Add($"{path}.recommendationTtl", $"Recommendation time-to-live {ttl} of transition '{t.Id}' must be positive.");
            }

            for (var s = 0; s < t.Spawns.Count; s++)
            {
                var child = t.Spawns[s];
                if (!Identifiers.IsLoopId(child))
                {
                    Add($"{path}.spawns[{s}]", $"'{Identifiers.Printable(child)}' is not a valid loop id: {Identifiers.LoopIdRule}.");
                }
                else if (!spawnable.Contains(child))
                {
                    Add($"{path}.spawns[{s}]", $"Transition '{t.Id}' spawns '{child}', which is not in spawnableLoops ({(spawnable.Count == 0 ? "empty" : string.Join(", ", spawnable))}). Add it to spawnableLoops.");
                }
            }
        }

        for (var i = 0; i < definition.States.Count; i++)
        {
            if (definition.States[i].Sla is not { } sla)
            {
                continue;
            }

            var state = definition.States[i];
            if (sla.MaxDwell <= TimeSpan.Zero)
            {
                Add($"states[{i}].sla.maxDwell", $"SLA of state '{state.Id}' has a maximum dwell of {sla.MaxDwell}: it must be positive.");
            }

            if (state.IsTerminal)
            {
                Add($"states[{i}].sla", $"State '{state.Id}' is terminal: a closed loop does not dwell, so it cannot have an SLA.");
            }

            if (sla.BreachTransition is { } escalation)
            {
                var leaving = definition.TransitionsFrom(state.Id).Select(t => t.Id).ToList();
                if (!leaving.Contains(escalation, StringComparer.Ordinal))
                {
                    Add($"states[{i}].sla.onBreach.transition", $"Escalation transition '{Identifiers.Printable(escalation)}' does not leave state '{state.Id}'. Transitions from '{state.Id}' are: {(leaving.Count == 0 ? "none" : string.Join(", ", leaving))}.");
                }
            }
        }

        if (definition.SpawnableLoops is { } loops)
        {
            for (var i = 0; i < loops.Count; i++)
            {
                if (!Identifiers.IsLoopId(loops[i]))
                {
                    Add($"spawnableLoops[{i}]", $"'{Identifiers.Printable(loops[i])}' is not a valid loop id: {Identifiers.LoopIdRule}.");
                }
            }
        }

        CheckOutcome(definition.Outcome, Add);
        CheckPolicy(definition.Policy, Add);

        // Graph checks only make sense once the states and transitions themselves are sound.
        if (problems.Count == 0)
        {
            CheckGraph(definition, Add);
        }

        return problems;
    }

    private static void CheckActorList(IReadOnlyList<ActorType> actors, string path, Action<string, string> add)
    {
        var seen = new HashSet<ActorType>();
        for (var a = 0; a < actors.Count; a++)
        {
            if (!Enum.IsDefined(actors[a]))
            {
                add($"{path}[{a}]", $"'{actors[a]}' is not a valid actor type. Valid actor types are: {string.Join(", ", ActorTypes.WireNames)}.");
            }
            else if (!seen.Add(actors[a]))
            {
                add($"{path}[{a}]", $"Actor type '{actors[a].ToWireName()}' is listed more than once.");
            }
        }
    }

    private static void CheckOutcome(OutcomeSpec outcome, Action<string, string> add)
    {
        if (outcome is null)
        {
            add("outcome", "The loop has no outcome: declare its id, description and value unit.");
            return;
        }

        if (string.IsNullOrWhiteSpace(outcome.Id))
        {
            add("outcome.id", "The outcome has no id.");
        }

        if (string.IsNullOrWhiteSpace(outcome.Description))
        {
            add("outcome.description", "The outcome has no description.");
        }

        if (string.IsNullOrWhiteSpace(outcome.ValueUnit))
        {
            add("outcome.valueUnit", "The outcome has no value unit (the unit a completion counts as).");
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var m = 0; m < outcome.BusinessMetrics.Count; m++)
        {
            var metric = outcome.BusinessMetrics[m];
            var path = $"outcome.businessMetrics[{m}]";
            if (!Identifiers.IsMetricId(metric.Id))
            {
                add($"{path}.id", $"'{Identifiers.Printable(metric.Id)}' is not a valid metric id: lowercase letters, digits and underscores, starting with a letter.");
            }
            else if (!ids.Add(metric.Id))
            {
                add($"{path}.id", $"Metric '{metric.Id}' is declared more than once: metric ids must be unique.");
            }

            if (string.IsNullOrWhiteSpace(metric.Label))
            {
                add($"{path}.label", $"Metric '{metric.Id}' has no label.");
            }

            if (string.IsNullOrWhiteSpace(metric.Unit))
            {
                add($"{path}.unit", $"Metric '{metric.Id}' has no unit.");
            }

            if (metric.Kind is { } kind && !Enum.IsDefined(kind))
            {
                add($"{path}.kind", $"'{kind}' is not a valid metric kind. Valid kinds are: number, duration, category, boolean.");
            }
        }
    }

    private static void CheckPolicy(LoopPolicy policy, Action<string, string> add)
    {
        CheckActorList(policy.RecommendOnly, "metadata.loopengine.policy.recommendOnly", add);
        CheckActorList(policy.Recommenders, "metadata.loopengine.policy.recommenders", add);
        CheckActorList(policy.Approvers, "metadata.loopengine.policy.approvers", add);
        if (policy.Approvers.Count == 0)
        {
            add("metadata.loopengine.policy.approvers", $"The policy names no approvers: name at least one of: {string.Join(", ", ActorTypes.WireNames)}.");
        }
    }

    private static void CheckGraph(LoopDefinition definition, Action<string, string> add)
    {
        // Reachability from the initial state.
        var reachable = new HashSet<string>(StringComparer.Ordinal) { definition.InitialState };
        var queue = new Queue<string>();
        queue.Enqueue(definition.InitialState);
        while (queue.Count > 0)
        {
            foreach (var t in definition.TransitionsFrom(queue.Dequeue()))
            {
                if (reachable.Add(t.To))
                {
                    queue.Enqueue(t.To);
                }
            }
        }

        for (var i = 0; i < definition.States.Count; i++)
        {
            var state = definition.States[i];
            if (!reachable.Contains(state.Id))
            {
                add($"states[{i}]", $"State '{state.Id}' cannot be reached from the initial state '{definition.InitialState}'. Add a transition into it or remove it.");
            }
            else if (!state.IsTerminal && !state.IsError && definition.TransitionsFrom(state.Id).Count == 0)
            {
                add($"states[{i}]", $"State '{state.Id}' is neither terminal nor an error state and has no transition out: a loop would be stuck there. Add a transition, or mark it isTerminal or isError.");
            }
        }

        if (!definition.States.Any(s => s.IsTerminal && reachable.Contains(s.Id)))
        {
            var terminals = definition.States.Where(s => s.IsTerminal).Select(s => s.Id).ToList();
            add("states", terminals.Count == 0
                ? "No state is terminal: a loop could never close. Mark at least one state isTerminal."
                : $"No terminal state ({string.Join(", ", terminals)}) can be reached from the initial state '{definition.InitialState}'.");
        }
    }
}
