using System.Text.Json;
using LoopEngine.Signals;

namespace LoopEngine.Tests.Signals;

internal static class SignalTestEvents
{
    public static readonly DateTimeOffset T0 = new(2026, 2, 14, 8, 0, 0, TimeSpan.Zero);

    public static RawEvent Ev(string id, string type, DateTimeOffset at, string payload, params (string Key, string Value)[] keys)
    {
        var dict = keys.ToDictionary(k => k.Key, k => k.Value, StringComparer.Ordinal);
        return RawEvent.Create(id, type, at, dict, payload);
    }

    public static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    /// <summary>The product page's three raw events for BRS-001 at DC-East.</summary>
    public static RawEvent[] PageEvents() =>
    [
        Ev("e1", "sale_recorded", T0, """{"qty":847}""", ("sku", "BRS-001"), ("location", "DC-East")),
        Ev("e2", "shipment_delayed", T0.AddMinutes(30), """{"eta_delay_days":4}""", ("carrier", "FedEx"), ("location", "DC-East")),
        Ev("e3", "stock_movement", T0.AddHours(1), """{"on_hand":12}""", ("sku", "BRS-001"), ("location", "DC-East")),
    ];

    public static InMemoryReferenceData PageReferenceData() => new InMemoryReferenceData()
        .Set("reorder_point", 50, ("sku", "BRS-001"), ("location", "DC-East"))
        .Set("baseline_daily_demand", 300, ("sku", "BRS-001"), ("location", "DC-East"));
}
