using System.Diagnostics.CodeAnalysis;

namespace LoopEngine;

/// <summary>Converts <see cref="ActorType"/> values to and from their wire names.</summary>
public static class ActorTypes
{
    /// <summary>Every actor type, in declaration order.</summary>
    public static IReadOnlyList<ActorType> All { get; } =
        [ActorType.Human, ActorType.Automation, ActorType.AiAgent, ActorType.Webhook, ActorType.System];

    /// <summary>The wire names of every actor type, in declaration order.</summary>
    public static IReadOnlyList<string> WireNames { get; } = ["human", "automation", "ai-agent", "webhook", "system"];

    /// <summary>Gets the wire name of an actor type (<c>ai-agent</c> for <see cref="ActorType.AiAgent"/>).</summary>
    /// <param name="type">The actor type.</param>
    /// <returns>The wire name.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="type"/> is not a defined value.</exception>
    public static string ToWireName(this ActorType type) => type switch
    {
        ActorType.Human => "human",
        ActorType.Automation => "automation",
        ActorType.AiAgent => "ai-agent",
        ActorType.Webhook => "webhook",
        ActorType.System => "system",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown actor type. Valid types are: human, automation, ai-agent, webhook, system."),
    };

    /// <summary>Parses a wire name (<c>human</c>, <c>automation</c>, <c>ai-agent</c>, <c>webhook</c>, <c>system</c>).</summary>
    /// <param name="wireName">The wire name; matched exactly (case-sensitive).</param>
    /// <param name="type">The parsed type.</param>
    /// <returns><see langword="true"/> when <paramref name="wireName"/> is a valid wire name.</returns>
    public static bool TryParse([NotNullWhen(true)] string? wireName, out ActorType type)
    {
        switch (wireName)
        {
            case "human": type = ActorType.Human; return true;
            case "automation": type = ActorType.Automation; return true;
            case "ai-agent": type = ActorType.AiAgent; return true;
            case "webhook": type = ActorType.Webhook; return true;
            case "system": type = ActorType.System; return true;
            default: type = default; return false;
        }
    }

    /// <summary>Parses a wire name, throwing when it is not one.</summary>
    /// <param name="wireName">The wire name.</param>
    /// <returns>The parsed type.</returns>
    /// <exception cref="ArgumentException"><paramref name="wireName"/> is not a valid wire name; the message lists the valid ones.</exception>
    public static ActorType Parse(string wireName) =>
        TryParse(wireName, out var type)
            ? type
            : throw new ArgumentException($"Actor type '{wireName}' is not valid. Valid actor types are: {string.Join(", ", WireNames)}.", nameof(wireName));
}
