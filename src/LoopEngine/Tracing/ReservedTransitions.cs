namespace LoopEngine;

/// <summary>The transition ids the engine writes into traces for its own steps. Definitions may not use ids starting with <c>$</c>.</summary>
public static class ReservedTransitions
{
    /// <summary>The start of a loop: record 1.</summary>
    public const string Start = "$start";

    /// <summary>A cancellation by the host.</summary>
    public const string Cancel = "$cancel";

    /// <summary>A failure declared by the host.</summary>
    public const string Fail = "$fail";

    /// <summary>A migration to another definition version.</summary>
    public const string Migrate = "$migrate";
}
