namespace LoopEngine.Signals;

/// <summary>
/// Maps a signal type to a loop: an emitted signal opens the loop for an aggregate id from <see cref="AggregateIdPattern"/>
/// (the signal as the start evidence, its id as causation), unless the subject already has one open, to which the
/// signal is attached instead. When the loop ends, <see cref="LabelRule"/> labels its signals.
/// </summary>
public sealed record SignalTrigger
{
    /// <summary>Gets the signal type.</summary>
    public required string SignalType { get; init; }

    /// <summary>Gets the loop id to open (<c>scm.replenishment</c>).</summary>
    public required string LoopId { get; init; }

    /// <summary>Gets the definition version, or <see langword="null"/> for the latest.</summary>
    public string? Version { get; init; }

    /// <summary>Gets the aggregate id pattern.</summary>
    public required AggregateIdPattern AggregateIdPattern { get; init; }

    /// <summary>Gets the actor that opens the loop.</summary>
    /// <value>The default is the system actor <c>system:signals</c>.</value>
    public Actor Actor { get; init; } = Actor.System("system:signals");

    /// <summary>
    /// Gets a function giving the correlation id of the loop a signal opens (for example the host's business correlation),
    /// or <see langword="null"/> to let the engine generate one. A <see langword="null"/> result also generates one.
    /// </summary>
    public Func<Signal, string?>? CorrelationId { get; init; }

    /// <summary>Gets the labelling rule, or <see langword="null"/> to label only through <see cref="ISignalEngine.LabelAsync"/>.</summary>
    public SignalLabelRule? LabelRule { get; init; }
}
