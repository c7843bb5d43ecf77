namespace LoopEngine;

/// <summary>One finite state of a loop.</summary>
public sealed record StateSpec
{
    /// <summary>Creates a state.</summary>
    /// <param name="id">The state id, in upper snake case (<c>PO_CONFIRMED</c>).</param>
    public StateSpec(string id) => Id = id;

    /// <summary>Gets the state id.</summary>
    public string Id { get; init; }

    /// <summary>Gets the description, or <see langword="null"/>.</summary>
    public string? Description { get; init; }

    /// <summary>Gets a value indicating whether a loop that reaches this state is closed.</summary>
    public bool IsTerminal { get; init; }

    /// <summary>Gets a value indicating whether this is an error state (the loop's status becomes Error; it may be a dead end).</summary>
    public bool IsError { get; init; }

    /// <summary>Gets the state's SLA, or <see langword="null"/> when it has none (kept in <c>metadata.loopengine.states</c>).</summary>
    public StateSla? Sla { get; init; }
}
