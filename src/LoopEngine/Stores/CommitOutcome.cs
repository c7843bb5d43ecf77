namespace LoopEngine;

/// <summary>What a store did with a commit.</summary>
public enum CommitOutcome
{
    /// <summary>Everything was written.</summary>
    Committed = 0,

    /// <summary>Nothing was written: an instance's stored version differs from the expected one.</summary>
    VersionConflict = 1,

    /// <summary>Nothing was written: an instance expected not to exist already exists.</summary>
    AlreadyExists = 2,

    /// <summary>Nothing was written: the idempotency key was already used.</summary>
    IdempotencyKeyExists = 3,
}
