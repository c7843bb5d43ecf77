namespace LoopEngine.Learning;

/// <summary>What recording an outcome did: the stored outcome and the estimates it moved.</summary>
/// <param name="Outcome">The stored outcome (merged with any earlier record for the loop).</param>
/// <param name="EstimateUpdates">The estimates updated by the metrics' <c>updates</c> rules.</param>
/// <param name="UnresolvedEstimateKeys">
/// The key templates that could not be resolved (the trace has no record whose evidence has the field), so no estimate moved.
/// </param>
public sealed record OutcomeResult(LoopOutcome Outcome, IReadOnlyList<EstimateUpdate> EstimateUpdates, IReadOnlyList<string> UnresolvedEstimateKeys);
