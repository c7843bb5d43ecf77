namespace LoopEngine;

/// <summary>One loop in a correlation tree, with the loops it spawned.</summary>
/// <param name="Instance">The loop instance.</param>
/// <param name="Children">The child loops it spawned within the same correlation, ordered by (opened at, aggregate id).</param>
public sealed record LoopTreeNode(LoopInstance Instance, IReadOnlyList<LoopTreeNode> Children);
