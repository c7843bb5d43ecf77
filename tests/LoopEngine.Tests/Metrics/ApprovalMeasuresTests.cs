using LoopEngine;
using LoopEngine.Metrics;
using LoopEngine.Tests.TestSupport;

namespace LoopEngine.Tests.Metrics;

public sealed class ApprovalMeasuresTests
{
    [Fact]
    public async Task ComputeAsync_ApprovalsRejectionsAndSupersession_ByRecommenderAndTransition()
    {
        var f = new EngineFixture();
        var start = f.Time.GetUtcNow();
        var other = Actor.AiAgent("agent:other", "m", "p", 0.5);
        for (var i = 0; i < 4; i++)
        {
            var id = $"PO-{i}";
            await f.StartProcurementAsync(id);
            var confirm = await f.RequestAsync(id, "confirm_po", i == 3 ? other : TestLoops.Claude, """{"approved":true}""");
            f.Time.Advance(TimeSpan.FromMinutes(10 * (i + 1)));
            if (i < 2)
            {
                await f.Engine.ApproveAsync(new ApprovalRequest { RecommendationId = confirm.Recommendation!.Id, Approver = TestLoops.Drew, Evidence = Evidence.Parse("""{"approved":true}""") });
            }
            else if (i == 2)
            {
                await f.Engine.RejectAsync(new RejectionRequest { RecommendationId = confirm.Recommendation!.Id, Actor = TestLoops.Drew, Reason = "price" });
            }
            else
            {
                await f.RequestAsync(id, "confirm_po", TestLoops.Drew, """{"approved":true}""");
            }
        }

        var measures = await ApprovalMeasures.ComputeAsync(f.Store, "default", "scm.procurement", start, f.Time.GetUtcNow().AddSeconds(1));

        var claude = measures.ByRecommender.Single(r => r.Key == TestLoops.Claude.Id);
        (claude.Created, claude.Approved, claude.Rejected).Should().Be((3, 2, 1));
        claude.AverageApprovalLatency.Should().Be(TimeSpan.FromMinutes(15), "latencies of 10 and 20 minutes");
        claude.ApprovalRate.Should().BeApproximately(2.0 / 3, 1e-9);
        claude.OverrideRate.Should().BeApproximately(1.0 / 3, 1e-9);
        var others = measures.ByRecommender.Single(r => r.Key == "agent:other");
        (others.Superseded, others.ApprovalRate).Should().Be((1, null));
        measures.ByTransition.Should().ContainSingle().Which.Created.Should().Be(4);
    }

    [Fact]
    public async Task ComputeAsync_EmptyWindow_Throws()
    {
        var act = async () => await ApprovalMeasures.ComputeAsync(new InMemoryLoopStore(), "default", null, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);

        await act.Should().ThrowAsync<ArgumentException>().WithMessage("*before its end*");
    }
}
