using Scm.Replenishment;

namespace LoopEngine.Sqlite.Tests.Samples;

/// <summary>The README's first command: the SCM sample runs the page's story and prints its key lines.</summary>
public sealed class ScmStoryTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RunAsync_PagesStory_ReportsThePagesFiguresFromTheStore(bool inMemory)
    {
        var report = await ScmStory.RunAsync(new StoryOptions { InMemory = inMemory, SimulateDays = 10 });
        var text = new StringWriter();
        ReportWriter.WriteText(report, text);
        var output = text.ToString();

        report.Signal.AggregateId.Should().Be("REPLEN-2026-0041");
        Math.Round(report.Signal.Confidence, 2).Should().Be(0.84);
        report.Procurement.AggregateId.Should().Be("PO-2026-0012");
        report.Procurement.ParentAggregateId.Should().Be("REPLEN-2026-0041");
        report.Procurement.CorrelationId.Should().Be("corr_abc123");
        report.Procurement.Trace.Select(t => (t.From, t.To, t.Actor)).Should().Equal(
            ("OPEN", "PO_CONFIRMED", "drew.kim@lumebonde.co"),
            ("PO_CONFIRMED", "RECEIPT_SCHEDULED", "system:replenishment"),
            ("RECEIPT_SCHEDULED", "RECEIVED", "drew.kim@lumebonde.co"),
            ("RECEIVED", "CLOSED", "system:fulfillment"));
        report.Procurement.Trace[2].Recommender.Should().Be("agent:commerce-gateway/claude");
        report.Pending.Status.Should().Be("awaiting human approval");
        report.Outcome.Select(o => (o.Attribute, o.Predicted, o.Actual, o.Delta)).Should().Equal(
            ("Demand", "200", "260", "+60"), ("Lead time", "12d", "16d", "+4d"), ("Stockout risk", "Low", "High", "Miss"));
        report.NextLoop.AggregateId.Should().Be("REPLEN-2026-0042");
        report.NextLoop.EstimateDays.Should().BeGreaterThan(12).And.BeLessThan(16);
        report.Metrics.AiActedShare!.Value.Should().BeApproximately(1 - report.Metrics.HumanApprovedShare!.Value, 1e-9);
        output.Should().Contain("OPEN                      → PO_CONFIRMED                12s [drew.kim@lumebonde.co]")
            .And.Contain("RECEIPT_SCHEDULED → [pending]")
            .And.Contain("Correlation: corr_abc123")
            .And.Contain("Lead time       12d        16d      +4d")
            .And.Contain("DEMAND_SPIKE");
    }

    [Fact]
    public void Parse_UnknownOptionOrStore_ErrorNamesTheAlternatives()
    {
        var unknown = () => StoryOptions.Parse(["--colour"]);
        var store = () => StoryOptions.Parse(["--store", "oracle"]);

        unknown.Should().Throw<ArgumentException>().WithMessage("*--colour*--db, --store, --simulate-days, --json, --diagram, --help*");
        store.Should().Throw<ArgumentException>().WithMessage("*oracle*sqlite, memory*");
    }

    [Fact]
    public async Task RunAsync_ExistingDatabaseWithData_Refused()
    {
        var path = Path.GetTempFileName();
        await File.WriteAllTextAsync(path, "other data");

        var act = async () => await ScmStory.RunAsync(new StoryOptions { DatabasePath = path });

        await act.Should().ThrowAsync<ArgumentException>().WithMessage("*already holds data*");
        File.Delete(path);
    }
}
