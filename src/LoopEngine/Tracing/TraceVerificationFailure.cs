namespace LoopEngine;

/// <summary>Why a trace failed verification.</summary>
public enum TraceVerificationFailure
{
    /// <summary>The trace verified.</summary>
    None = 0,

    /// <summary>A record's stored hash does not match the hash recomputed from its fields.</summary>
    HashMismatch = 1,

    /// <summary>A record's previous hash does not match the hash of the record before it.</summary>
    BrokenLink = 2,

    /// <summary>A sequence is missing (or out of order, or duplicated).</summary>
    MissingSequence = 3,

    /// <summary>The chain does not end at the head: records were removed from its end, or the head does not match.</summary>
    HeadMismatch = 4,

    /// <summary>A record names another org, aggregate or loop than the trace it is in.</summary>
    ForeignRecord = 5,
}
