namespace LoopEngine;

/// <summary>The kind of a business metric's value, which decides how predicted and actual values compare.</summary>
public enum OutcomeMetricKind
{
    /// <summary>A number; the difference (actual − predicted) is its Δ. Wire name <c>number</c>.</summary>
    Number = 0,

    /// <summary>A duration; the difference is its Δ. Wire name <c>duration</c>.</summary>
    Duration = 1,

    /// <summary>A category; equal values are a hit, others a miss. Wire name <c>category</c>.</summary>
    Category = 2,

    /// <summary>A boolean; equal values are a hit, others a miss. Wire name <c>boolean</c>.</summary>
    Boolean = 3,
}
