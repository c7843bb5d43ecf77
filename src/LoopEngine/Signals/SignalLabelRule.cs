namespace LoopEngine.Signals;

/// <summary>Labels a signal hit or miss from how its triggered loop ended.</summary>
public sealed class SignalLabelRule
{
    private readonly Func<LoopInstance, SignalLabel?> _label;

    private SignalLabelRule(Func<LoopInstance, SignalLabel?> label)
    {
        _label = label;
    }

    /// <summary>Labels by the loop's final state: a hit state is a hit, a miss state (such as <c>DISMISSED</c>) a miss, any other ending no label.</summary>
    /// <param name="hitStates">The states that confirm the signal.</param>
    /// <param name="missStates">The states that refute it.</param>
    /// <returns>The rule.</returns>
    public static SignalLabelRule ByFinalState(IReadOnlyCollection<string> hitStates, IReadOnlyCollection<string> missStates)
    {
        ArgumentNullException.ThrowIfNull(hitStates);
        ArgumentNullException.ThrowIfNull(missStates);
        var hits = new HashSet<string>(hitStates, StringComparer.Ordinal);
        var misses = new HashSet<string>(missStates, StringComparer.Ordinal);
        return new(instance => hits.Contains(instance.CurrentState) ? SignalLabel.Hit : misses.Contains(instance.CurrentState) ? SignalLabel.Miss : null);
    }

    /// <summary>Labels with a custom function of the ended instance.</summary>
    /// <param name="label">Returns the label, or <see langword="null"/> for none.</param>
    /// <returns>The rule.</returns>
    public static SignalLabelRule Custom(Func<LoopInstance, SignalLabel?> label) => new(label ?? throw new ArgumentNullException(nameof(label)));

    /// <summary>Labels an ended instance.</summary>
    /// <param name="instance">The instance.</param>
    /// <returns>The label, or <see langword="null"/>.</returns>
    public SignalLabel? Label(LoopInstance instance) => _label(instance);
}
