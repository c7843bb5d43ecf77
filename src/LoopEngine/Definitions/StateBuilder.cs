namespace LoopEngine;

/// <summary>Configures one state in a <see cref="LoopDefinitionBuilder"/>.</summary>
public sealed class StateBuilder
{
    private string? _description;
    private bool _terminal;
    private bool _error;
    private StateSla? _sla;

    internal StateBuilder(string id) => Id = id;

    internal string Id { get; }

    internal bool IsInitial { get; private set; }

    /// <summary>Marks the state as the loop's initial state.</summary>
    /// <returns>This builder.</returns>
    public StateBuilder Initial()
    {
        IsInitial = true;
        return this;
    }

    /// <summary>Marks the state terminal: a loop that reaches it is closed.</summary>
    /// <returns>This builder.</returns>
    public StateBuilder Terminal()
    {
        _terminal = true;
        return this;
    }

    /// <summary>Marks the state as an error state: a loop that reaches it has status Error.</summary>
    /// <returns>This builder.</returns>
    public StateBuilder Error()
    {
        _error = true;
        return this;
    }

    /// <summary>Sets the description.</summary>
    /// <param name="description">The description.</param>
    /// <returns>This builder.</returns>
    public StateBuilder WithDescription(string description)
    {
        _description = description;
        return this;
    }

    /// <summary>Sets the state's SLA: the longest a loop may dwell here, and what a breach does.</summary>
    /// <param name="maxDwell">The maximum dwell time.</param>
    /// <param name="escalateWith">The escalation transition run by <c>system:sla</c>, or <see langword="null"/> to only raise the breach event.</param>
    /// <param name="raiseEvent">Whether a breach emits <c>loopengine.sla.breached</c>.</param>
    /// <returns>This builder.</returns>
    public StateBuilder WithSla(TimeSpan maxDwell, string? escalateWith = null, bool raiseEvent = true)
    {
        _sla = new StateSla(maxDwell, escalateWith, raiseEvent);
        return this;
    }

    internal StateSpec ToSpec() => new(Id) { Description = _description, IsTerminal = _terminal, IsError = _error, Sla = _sla };
}
