using Stateless;

namespace LoopEngine;

/// <summary>
/// Configures a Stateless machine from a definition: one state per declared state, one trigger per transition id.
/// Actors, guards and evidence are checked by the engine before a trigger is fired, so the machine only knows the
/// graph. Shared by the diagrams and the runtime; Stateless never appears in a public signature.
/// </summary>
internal static class StatelessMachineFactory
{
    /// <summary>Creates and configures a machine whose state lives outside it.</summary>
    /// <param name="definition">The validated definition.</param>
    /// <param name="stateAccessor">Reads the current state.</param>
    /// <param name="stateMutator">Stores a new state.</param>
    /// <returns>The configured machine (not thread-safe: use one per request at a time).</returns>
    public static StateMachine<string, string> Configure(LoopDefinition definition, Func<string> stateAccessor, Action<string> stateMutator)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var machine = new StateMachine<string, string>(stateAccessor, stateMutator, FiringMode.Immediate);
        foreach (var state in definition.States)
        {
            machine.Configure(state.Id);
        }

        foreach (var transition in definition.Transitions)
        {
            var configuration = machine.Configure(transition.From);
            if (transition.From == transition.To)
            {
                configuration.PermitReentry(transition.Id);
            }
            else
            {
                configuration.Permit(transition.Id, transition.To);
            }
        }

        return machine;
    }

    /// <summary>Creates a machine that starts in the definition's initial state, keeping its state in a local.</summary>
    /// <param name="definition">The definition.</param>
    /// <returns>The machine.</returns>
    public static StateMachine<string, string> Configure(LoopDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var state = definition.InitialState;
        return Configure(definition, () => state, s => state = s);
    }
}
