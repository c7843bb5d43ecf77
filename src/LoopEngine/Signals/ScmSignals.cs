namespace LoopEngine.Signals;

/// <summary>
/// Ready-made supply-chain signals. <see cref="DemandSpike"/> is the product page's <c>DEMAND_SPIKE</c>: for the page's
/// events (847 units sold, on hand 12 against a reorder point of 50, a 4-day FedEx delay at DC-East) and a baseline
/// daily demand of 300 it scores 0.84 (see docs/signals.md).
/// </summary>
public static class ScmSignals
{
    /// <summary>The <c>DEMAND_SPIKE</c> signal type.</summary>
    public const string DemandSpikeType = "DEMAND_SPIKE";

    /// <summary>
    /// The <c>DEMAND_SPIKE</c> definition per (<c>sku</c>, <c>location</c>):
    /// <c>confidence = stockWeight · clamp((reorder_point − on_hand) / reorder_point, 0, 1)
    /// + demandWeight · clamp((units_24h / baseline_daily_demand − 1) / (saturationRatio − 1), 0, 1)
    /// + delayWeight · clamp(delay_days / fullDelayDays, 0, 1)</c>.
    /// Features: <c>units_24h = sum(sale_recorded.qty) over 24h</c>, <c>on_hand = last(stock_movement.on_hand)</c>,
    /// <c>reorder_point = ref(reorder_point)</c>, <c>baseline_daily_demand = ref(baseline_daily_demand)</c>,
    /// <c>delay_days = max(shipment_delayed.eta_delay_days) over 7d by location</c> (0 when none).
    /// </summary>
    /// <param name="threshold">The initial threshold.</param>
    /// <param name="stockWeight">The weight of the stock cover below the reorder point.</param>
    /// <param name="demandWeight">The weight of demand above the baseline.</param>
    /// <param name="delayWeight">The weight of inbound delay at the location.</param>
    /// <param name="saturationRatio">The demand/baseline ratio at which the demand term reaches 1.</param>
    /// <param name="fullDelayDays">The delay in days at which the delay term reaches 1.</param>
    /// <param name="cooldown">The cooldown per subject; <see langword="null"/> for 1 hour.</param>
    /// <returns>The definition.</returns>
    public static SignalDefinition DemandSpike(double threshold = 0.7, double stockWeight = 0.5, double demandWeight = 0.3, double delayWeight = 0.2, double saturationRatio = 2.5, double fullDelayDays = 5, TimeSpan? cooldown = null) =>
        SignalDefinition.Create(DemandSpikeType)
            .For("sku", "location")
            .Feature("units_24h", "sum(sale_recorded.qty) over 24h")
            .Feature("on_hand", "last(stock_movement.on_hand)")
            .Feature("reorder_point", "ref(reorder_point)")
            .Feature("baseline_daily_demand", "ref(baseline_daily_demand)")
            .Feature(FeatureDefinition.Parse("delay_days", "max(shipment_delayed.eta_delay_days) over 7d by location").OrDefault(0))
            .Score(ScoringRule.Weighted(
                WeightedComponent.Shortfall(stockWeight, "on_hand", "reorder_point"),
                WeightedComponent.Excess(demandWeight, "units_24h", "baseline_daily_demand", saturationRatio),
                WeightedComponent.Scaled(delayWeight, "delay_days", fullDelayDays)))
            .Threshold(threshold)
            .Cooldown(cooldown ?? TimeSpan.FromHours(1))
            .Carry("on_hand", "reorder_point", "units_24h", "delay_days")
            .Build();

    /// <summary>
    /// The trigger that opens <c>scm.replenishment</c> for <c>REPLEN-{yyyy}-{seq:0000}</c> from a <c>DEMAND_SPIKE</c>, by
    /// <c>system:demand-signal</c>; a loop ending in <c>STOCK_STABILIZED</c> or <c>STOCKOUT</c> labels its signals hits,
    /// one ending in <c>DISMISSED</c> misses.
    /// </summary>
    /// <param name="version">The replenishment definition version, or <see langword="null"/> for the latest.</param>
    /// <returns>The trigger.</returns>
    public static SignalTrigger ReplenishmentTrigger(string? version = "2.0.0") => new()
    {
        SignalType = DemandSpikeType,
        LoopId = "scm.replenishment",
        Version = version,
        AggregateIdPattern = AggregateIdPattern.Parse("REPLEN-{yyyy}-{seq:0000}"),
        Actor = Actor.System("system:demand-signal"),
        LabelRule = SignalLabelRule.ByFinalState(["STOCK_STABILIZED", "STOCKOUT"], ["DISMISSED"]),
    };
}
