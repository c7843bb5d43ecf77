using System.Collections.Concurrent;
using System.Collections.Frozen;
using Stateless;

namespace LoopEngine;

/// <summary>
/// A definition compiled for the runtime: its lookups, and a small pool of configured Stateless machines that are
/// reused (each by one request at a time, since Stateless is not thread-safe), never rebuilt per transition.
/// </summary>
internal sealed class CompiledLoop
{
    private bool _retired;

    private readonly ConcurrentBag<MachineSlot> _pool = [];
    private readonly int _poolSize;
    private int _machinesBuilt;

    // Machines built and not dropped (rented or in the pool).
    private int _machinesAlive;

    public CompiledLoop(LoopDefinition definition, int poolSize)
    {
        Definition = definition;
        _poolSize = poolSize;
        Terminal = definition.States.Where(s => s.IsTerminal).Select(s => s.Id).ToFrozenSet(StringComparer.Ordinal);
        Errors = definition.States.Where(s => s.IsError).Select(s => s.Id).ToFrozenSet(StringComparer.Ordinal);
        PermittedFrom = definition.States.ToFrozenDictionary(
            s => s.Id,
            s => definition.TransitionsFrom(s.Id).Count == 0 ? "none (the state has no transitions out)" : string.Join(", ", definition.TransitionsFrom(s.Id).Select(t => t.Id)),
            StringComparer.Ordinal);
        UnauthorizedDetail = definition.Transitions.ToFrozenDictionary(
            t => t.Id,
            t => $"its allowed actor types are {LoopRuntime.Join(t.AllowedActors)}, and the types that may recommend it are {LoopRuntime.Join(definition.Policy.Recommenders)}.",
            StringComparer.Ordinal);
    }

    /// <summary>For each transition, the end of the message that blocks an actor type it does not allow (built once, not per request).</summary>
    public FrozenDictionary<string, string> UnauthorizedDetail { get; }


    public LoopDefinition Definition { get; }

    /// <summary>
    /// Gets a value indicating whether the runtime has dropped this compilation (its version was unregistered or replaced),
    /// so a cached reference to it must not be used for new requests.
    /// </summary>
    public bool IsRetired => Volatile.Read(ref _retired);

    /// <summary>Marks this compilation as dropped by the runtime.</summary>
    public void Retire() => Volatile.Write(ref _retired, true);

    public FrozenSet<string> Terminal { get; }

    public FrozenSet<string> Errors { get; }

    /// <summary>For each state, the transitions permitted from it, as a readable list for messages.</summary>
    public FrozenDictionary<string, string> PermittedFrom { get; }

    /// <summary>How many machines were configured (for tests: reuse means this stays at most the pool's high-water mark).</summary>
    public int MachinesBuilt => Volatile.Read(ref _machinesBuilt);

    /// <summary>How many machines are alive, rented or pooled (for tests: at most the pool's size once requests are done).</summary>
    public int MachinesAlive => Volatile.Read(ref _machinesAlive);

    public LoopStatus StatusOf(string state)
    {
        if (Errors.Contains(state))
        {
            return LoopStatus.Error;
        }

        if (Terminal.Contains(state))
        {
            return LoopStatus.Closed;
        }

        return string.Equals(state, Definition.InitialState, StringComparison.Ordinal) ? LoopStatus.Open : LoopStatus.InProgress;
    }

    /// <summary>
    /// Fires a transition on a pooled machine set to <paramref name="currentState"/> and returns the state it entered,
    /// or <see langword="null"/> when the machine does not permit the trigger from that state.
    /// </summary>
    public string? Fire(string currentState, string transitionId)
    {
        var slot = Rent();
        try
        {
            // One Fire, no CanFire: an unpermitted trigger sets Unhandled instead of throwing (and leaves the state).
            slot.State = currentState;
            slot.Unhandled = false;
            slot.Machine.Fire(transitionId);
            return slot.Unhandled ? null : slot.State;
        }
        finally
        {
            Return(slot);
        }
    }

    /// <summary>Takes a pooled machine, or configures a new one when none is free.</summary>
    internal MachineSlot Rent()
    {
        if (_pool.TryTake(out var slot))
        {
            return slot;
        }

        Interlocked.Increment(ref _machinesBuilt);
        Interlocked.Increment(ref _machinesAlive);
        return new MachineSlot(Definition);
    }

    /// <summary>
    /// Puts a machine back in the pool, or drops it while more than the pool's size are alive (rented or pooled: after a burst
    /// of concurrent requests, the extra machines are not kept). The bag's own <c>Count</c> is not used: it locks every
    /// thread's list of the bag (in a scratch loop, 80-240 ns per rent and return on one thread, 600-960 ns with two at
    /// once); the count of live machines changes only when one is built or dropped, so a request reads it without writing it.
    /// </summary>
    internal void Return(MachineSlot slot)
    {
        if (Volatile.Read(ref _machinesAlive) <= _poolSize)
        {
            _pool.Add(slot);
            return;
        }

        Interlocked.Decrement(ref _machinesAlive);
    }

    /// <summary>A configured Stateless machine and the state it reads and writes (one request at a time).</summary>
    internal sealed class MachineSlot
    {
        public MachineSlot(LoopDefinition definition)
        {
            State = definition.InitialState;
            Machine = new StateMachine<string, string>(() => State, s => State = s, FiringMode.Immediate);
            Machine.OnUnhandledTrigger((_, _) => Unhandled = true);
            foreach (var state in definition.States)
            {
                var configuration = Machine.Configure(state.Id);
                foreach (var transition in definition.TransitionsFrom(state.Id))
                {
                    if (string.Equals(transition.To, state.Id, StringComparison.Ordinal))
                    {
                        configuration.PermitReentry(transition.Id);
                    }
                    else
                    {
                        configuration.Permit(transition.Id, transition.To);
                    }
                }
            }
        }

        public string State { get; set; }

        public bool Unhandled { get; set; }

        public StateMachine<string, string> Machine { get; }
    }
}
