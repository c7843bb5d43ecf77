using System.Globalization;
using System.Text.Json;

namespace Scm.Replenishment;

/// <summary>Prints the story's report as the page lays it out, or as JSON.</summary>
public static class ReportWriter
{
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, IncludeFields = true };

    public static void WriteJson(StoryReport report, TextWriter output) => output.WriteLine(JsonSerializer.Serialize(report, JsonOptions));

    public static void WriteText(StoryReport report, TextWriter o)
    {
        o.WriteLine("Loop Engine for .NET: the SCM replenishment story");
        o.WriteLine($"Store: {report.Store}");
        Heading(o, "1. Signal pipeline");
        o.WriteLine("Raw events:");
        foreach (var e in report.RawEvents)
        {
            o.WriteLine($"  {e.Type,-17} {e.Subject,-34} {e.Payload}");
        }

        var s = report.Signal;
        o.WriteLine("  ↓ feature extraction");
        o.WriteLine($"Signal produced: type {s.Type}  sku {s.Sku}  location {s.Location}  confidence {s.Confidence.ToString("0.00", CultureInfo.InvariantCulture)}");
        o.WriteLine($"  on_hand: {s.OnHand} units (below reorder point: {s.ReorderPoint})");
        o.WriteLine("  ↓ loop triggered");
        o.WriteLine($"{s.LoopId}: OPEN   aggregate: {s.AggregateId}");

        Heading(o, "2. Loop: scm.replenishment");
        WriteTrace(o, report.Replenishment);

        Heading(o, "3. Loop: scm.procurement");
        o.WriteLine($"Spawned by {report.Procurement.ParentAggregateId}");
        var p = report.Pending;
        o.WriteLine($"{p.State} → [pending]");
        o.WriteLine($"  actor: {p.Recommender}   actor_type: {p.RecommenderType}");
        o.WriteLine($"  recommended: {p.Transition}   evidence: {p.Evidence}");
        o.WriteLine($"  status: {p.Status}");
        o.WriteLine("After approval:");
        WriteTrace(o, report.Procurement);

        Heading(o, "4. Outcome logged: learning signal table");
        o.WriteLine($"  {"Attribute",-16}{"Predicted",-11}{"Actual",-9}Δ");
        foreach (var line in report.Outcome)
        {
            o.WriteLine($"  {line.Attribute,-16}{line.Predicted,-11}{line.Actual,-9}{line.Delta}");
        }

        o.WriteLine($"  stockout_occurred: {report.StockoutOccurred.ToString().ToLowerInvariant()}");
        var n = report.NextLoop;
        o.WriteLine($"Next loop {n.AggregateId} reads {n.EstimateKey} = {n.EstimateDays.ToString("0.##", CultureInfo.InvariantCulture)} days (was {n.PreviousDays} days).");

        var m = report.Metrics;
        Heading(o, $"5. {m.LoopId} - last {m.Days} days ({m.LoopsSimulated} loops simulated)");
        o.WriteLine($"  Avg close time:        {(m.AverageCloseDays is { } d ? d.ToString("0.0", CultureInfo.InvariantCulture) + " days" : "n/a")}");
        o.WriteLine($"  Exception rate:        {Percent(m.ExceptionRate)}");
        o.WriteLine($"  AI-acted transitions:  {Percent(m.AiActedShare)}");
        o.WriteLine($"  Human-approved:        {Percent(m.HumanApprovedShare)}");
        o.WriteLine($"  By status:             {string.Join("  ", m.CountByStatus.Select(c => $"{c.Key.ToUpperInvariant()} {c.Value}"))}");
        o.WriteLine("Live Signals");
        foreach (var line in m.LiveSignals)
        {
            o.WriteLine($"  {line}");
        }

        foreach (var (loopId, mermaid) in report.Diagrams)
        {
            Heading(o, $"Diagram: {loopId}");
            o.WriteLine(mermaid);
        }
    }

    private static void WriteTrace(TextWriter o, LoopReport loop)
    {
        o.WriteLine($"Aggregate: {loop.AggregateId}   Version: {loop.Version}   Status: {loop.Status}");
        o.WriteLine("Transitions:");
        foreach (var t in loop.Trace)
        {
            var who = t.Recommender is null ? t.Actor : $"{t.Actor} - approving {t.Recommender}";
            o.WriteLine($"  {t.From,-25} → {t.To,-25} {ScmStory.Age(t.Elapsed).Replace(" min", "m", StringComparison.Ordinal).Replace(" hr", "h", StringComparison.Ordinal),5} [{who}]");
        }

        o.WriteLine($"Correlation: {loop.CorrelationId}");
        o.WriteLine($"Trace: {loop.Verification}");
    }

    private static string Percent(double? share) => share is { } v ? (v * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%" : "n/a";

    private static void Heading(TextWriter o, string title)
    {
        o.WriteLine();
        o.WriteLine(title);
        o.WriteLine(new string('-', title.Length));
    }
}
