using LoopEngine;
using LoopEngine.Metrics;

namespace LoopEngine.Tests.Metrics;

public sealed class MetricsProjectionTests
{
    [Fact]
    public void Compute_HundredThousandClosedLoops_CountsOnlyTheWindow()
    {
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var projection = new MetricsProjection();
        var random = new Random(5);
        for (var i = 0; i < 100_000; i++)
        {
            // Loops end in stream order, as the projection sees them from the event stream.
            var opened = start + TimeSpan.FromMinutes(i * 0.4);
            var closed = opened + TimeSpan.FromHours(random.Next(1, 150));
            TransitionRecord R(long seq, string t, string? from, string to, Actor a, DateTimeOffset at) => new()
            {
                OrgId = "default", LoopId = "scm.procurement", DefinitionVersion = "2.0.0", AggregateId = $"PO-{i}", Sequence = seq, TransitionId = t,
                FromState = from, ToState = to, Actor = a, OccurredAt = at, Evidence = Evidence.Empty, CorrelationId = "c",
                PreviousHash = TransitionRecord.GenesisHash, Hash = "h",
            };
            projection.AddEnded(
                new LoopInstance
                {
                    OrgId = "default", LoopId = "scm.procurement", DefinitionVersion = "2.0.0", AggregateId = $"PO-{i}", CurrentState = "CLOSED",
                    Status = LoopStatus.Closed, Version = 2, CorrelationId = "c", OpenedAt = opened, UpdatedAt = closed, ClosedAt = closed, HeadHash = "h",
                },
                [R(1, "$start", null, "OPEN", Actor.System("engine"), opened), R(2, "close", "OPEN", "CLOSED", i % 3 == 0 ? Actor.Human("h") : Actor.System("s"), closed)],
                []);
        }

        // How fast this is belongs to the benchmark (MetricsOverClosedLoopsBenchmark, docs/performance.md), not to a test.
        var m = projection.Compute("default", "scm.procurement", start, start.AddDays(60));
        m.Completions.Should().Be(100_000);
        m.HumanApprovedShare.Should().BeApproximately(1.0 / 3, 0.001);

        // A narrower window sees only the loops that ended in it (the projection's series are searched, not rescanned).
        var firstWeek = projection.Compute("default", "scm.procurement", start, start.AddDays(7));
        firstWeek.Completions.Should().BeGreaterThan(0).And.BeLessThanOrEqualTo(7 * 24 * 60 * 10 / 4, "no more loops than opened in that week (one every 0.4 min) can have ended in it");
    }
}
