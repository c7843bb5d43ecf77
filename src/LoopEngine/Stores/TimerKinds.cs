namespace LoopEngine;

/// <summary>The timer kinds the engine schedules itself.</summary>
public static class TimerKinds
{
    /// <summary>A state's SLA deadline: fires the state's breach action if the loop still dwells there at that version.</summary>
    public const string Sla = "sla";

    /// <summary>A recommendation's expiry: expires the recommendation if it is still pending.</summary>
    public const string RecommendationExpiry = "recommendation_expiry";
}
