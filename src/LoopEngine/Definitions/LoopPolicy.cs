namespace LoopEngine;

/// <summary>
/// A loop's definition-wide actor policy (<c>metadata.loopengine.policy</c>): which actor types may only recommend,
/// which may recommend transitions they are not allowed to execute, and who approves by default.
/// </summary>
public sealed record LoopPolicy
{
    /// <summary>Gets the default policy: AI agents only recommend, may recommend any transition, and humans approve.</summary>
    public static LoopPolicy Default { get; } = new();

    /// <summary>Gets the actor types that, even when allowed, can only recommend. The default is <c>[ai-agent]</c>.</summary>
    public IReadOnlyList<ActorType> RecommendOnly { get; init => field = ValueList<ActorType>.From(value); } = ValueList<ActorType>.From([ActorType.AiAgent]);

    /// <summary>Gets the actor types that may recommend a transition that does not allow them. The default is <c>[ai-agent]</c>.</summary>
    public IReadOnlyList<ActorType> Recommenders { get; init => field = ValueList<ActorType>.From(value); } = ValueList<ActorType>.From([ActorType.AiAgent]);

    /// <summary>Gets the actor types that approve recommendations unless a transition says otherwise. The default is <c>[human]</c>.</summary>
    public IReadOnlyList<ActorType> Approvers { get; init => field = ValueList<ActorType>.From(value); } = ValueList<ActorType>.From([ActorType.Human]);
}
