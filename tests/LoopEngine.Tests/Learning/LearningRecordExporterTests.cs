using System.Text;
using LoopEngine;
using LoopEngine.Learning;

namespace LoopEngine.Tests.Learning;

public sealed class LearningRecordExporterTests
{
    private static async Task<(ReplenishmentFixture F, LearningRecordExporter Exporter)> SetupAsync()
    {
        var f = new ReplenishmentFixture();
        await f.AddPageLoopAsync("REPLEN-2026-0041");
        await f.AddPageLoopAsync("REPLEN-2026-0042", opened: ReplenishmentFixture.Opened.AddDays(1));
        await f.AddPageLoopAsync("REPLEN-2026-0043", LoopStatus.InProgress);
        await f.Outcomes.RecordOutcomeAsync(ReplenishmentFixture.PageOutcome("REPLEN-2026-0041"));
        return (f, new LearningRecordExporter(f.Store, f.Learning));
    }

    [Fact]
    public async Task WriteJsonLinesAsync_EndedLoops_RoundTripsWithAttributionTimingAndOutcome()
    {
        var (_, exporter) = await SetupAsync();
        using var stream = new MemoryStream();

        var count = await exporter.WriteJsonLinesAsync(stream, new LearningQuery { OrgId = "default", LoopId = "scm.replenishment" });

        count.Should().Be(2);
        stream.Position = 0;
        var read = new List<LearningRecord>();
        await foreach (var r in LearningRecordExporter.ReadJsonLinesAsync(stream))
        {
            read.Add(r);
        }

        read.Select(r => r.AggregateId).Should().Equal("REPLEN-2026-0041", "REPLEN-2026-0042");
        var first = read[0];
        first.CausedBy.Should().Be("sig-0001");
        first.CauseEvidence!.Value.GetProperty("signal").GetString().Should().Be("DEMAND_SPIKE");
        first.Steps.Select(s => $"{s.ActorType}:{s.ActorId}").Should().Equal("system:engine", "system:demand-signal", "system:replenishment-engine", "human:drew.kim@lumebonde.co", "system:fulfillment");
        first.Steps[3].ElapsedMs.Should().Be((long)TimeSpan.FromDays(16).TotalMilliseconds);
        first.TimeInStateMs["PO_CREATED"].Should().Be((long)TimeSpan.FromDays(16).TotalMilliseconds);
        first.Steps[2].Evidence.GetProperty("supplier").GetString().Should().Be("SUP-ACME");
        var lead = first.Outcome!.Metrics.Single(m => m.MetricId == "lead_time");
        lead.Predicted!.Value.GetDouble().Should().Be(12);
        lead.Actual!.Value.GetDouble().Should().Be(16);
        lead.Delta.Should().Be(4);
        first.Outcome.Metrics.Single(m => m.MetricId == "stockout_risk").Hit.Should().BeFalse();
        read[1].Outcome.Should().BeNull();
    }

    [Fact]
    public async Task WriteJsonLinesAsync_OnlyWithOutcomeAndWindow_Filters()
    {
        var (_, exporter) = await SetupAsync();
        using var stream = new MemoryStream();

        (await exporter.WriteJsonLinesAsync(stream, new LearningQuery { OrgId = "default", IncludeWithoutOutcome = false })).Should().Be(1);
        (await exporter.WriteJsonLinesAsync(Stream.Null, new LearningQuery { OrgId = "default", ClosedFrom = ReplenishmentFixture.Opened.AddDays(17) })).Should().Be(1);
        (await exporter.WriteJsonLinesAsync(Stream.Null, new LearningQuery { OrgId = "default", AggregateId = "REPLEN-2026-0043" })).Should().Be(0);
    }

    [Fact]
    public async Task WriteCsvAsync_EndedLoops_OneRowPerStepParsesBack()
    {
        var (_, exporter) = await SetupAsync();
        using var stream = new MemoryStream();

        var rows = await exporter.WriteCsvAsync(stream, new LearningQuery { OrgId = "default" });

        rows.Should().Be(10);
        var parsed = ParseCsv(Encoding.UTF8.GetString(stream.ToArray()));
        parsed[0].Should().Equal(LearningRecordExporter.CsvColumns);
        parsed.Should().HaveCount(11);
        var col = LearningRecordExporter.CsvColumns.ToList();
        var row = parsed[3];
        row[col.IndexOf("aggregate_id")].Should().Be("REPLEN-2026-0041");
        row[col.IndexOf("transition_id")].Should().Be("create_po");
        row[col.IndexOf("evidence")].Should().Be("""{"quantity":200,"supplier":"SUP-ACME"}""");
        row[col.IndexOf("outcome_metrics")].Should().Contain("\"delta\":60");
        parsed[8][col.IndexOf("outcome_id")].Should().BeEmpty();
    }

    private static List<List<string>> ParseCsv(string text)
    {
        var rows = new List<List<string>>();
        var row = new List<string>();
        var cell = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { cell.Append('"'); i++; }
                else if (c == '"') { quoted = false; }
                else { cell.Append(c); }
            }
            else if (c == '"') { quoted = true; }
            else if (c == ',') { row.Add(cell.ToString()); cell.Clear(); }
            else if (c == '\r') { }
            else if (c == '\n') { row.Add(cell.ToString()); cell.Clear(); rows.Add(row); row = []; }
            else { cell.Append(c); }
        }

        return rows;
    }
}
