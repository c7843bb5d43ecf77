namespace LoopEngine;

/// <summary>The status of a recommendation.</summary>
public enum RecommendationStatus
{
    /// <summary>Awaiting approval.</summary>
    Pending = 0,

    /// <summary>Approved: its transition executed.</summary>
    Approved = 1,

    /// <summary>Rejected: nothing moved.</summary>
    Rejected = 2,

    /// <summary>Expired after its time-to-live.</summary>
    Expired = 3,

    /// <summary>Superseded: the loop moved on from the state it was made in.</summary>
    Superseded = 4,
}
