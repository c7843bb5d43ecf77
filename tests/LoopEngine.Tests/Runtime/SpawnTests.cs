using LoopEngine.Tests.TestSupport;

namespace LoopEngine.Tests.Runtime;

/// <summary>Child loops: spawned atomically with the parent's transition, as idempotent follow-ups, and queried as trees.</summary>
public sealed class SpawnTests
{
    private static readonly Actor DemandSignal = Actor.Automation("system:demand-signal");
    private static readonly Actor ReplenishmentEngine = Actor.Automation("system:replenishment-engine");

    private static async Task<EngineFixture> ReplenishmentAtRecommendedAsync(LoopEngineOptions? options = null)
    {
        options ??= new LoopEngineOptions();
        options.SpawnAggregateIdPatterns["scm.procurement"] = "PO-{yyyy}-{seq:0000}";
        var f = new EngineFixture(options: options, definitions: [LoopCatalog.Load("scm.replenishment", "2.0.0"), LoopCatalog.Load("scm.procurement", "2.0.0")]);
        await f.Store.SeedSequenceAsync("default", "PO-2026", 12);
        await f.Engine.StartAsync(new StartLoopRequest { LoopId = "scm.replenishment", AggregateId = "REPLEN-2026-0041", Actor = DemandSignal, CorrelationId = "corr_abc123" });
        (await f.RequestAsync("REPLEN-2026-0041", "recommend_replenishment", DemandSignal)).Outcome.Should().Be(TransitionOutcome.Executed);
        return f;
    }

    [Fact]
    public async Task TransitionAsync_CreatePo_SpawnsProcurementWithPatternIdParentLinksAndEvents()
    {
        var f = await ReplenishmentAtRecommendedAsync();

        var result = await f.RequestAsync("REPLEN-2026-0041", "create_po", ReplenishmentEngine, """{"supplier":"SUP-ACME"}""");

        result.Outcome.Should().Be(TransitionOutcome.Executed);
        var child = await f.Engine.GetInstanceAsync("PO-2026-0012");
        child.Should().NotBeNull();
        child!.Should().Match<LoopInstance>(c => c.LoopId == "scm.procurement" && c.DefinitionVersion == "2.0.0" && c.CurrentState == "OPEN"
            && c.ParentLoopId == "scm.replenishment" && c.ParentAggregateId == "REPLEN-2026-0041" && c.CorrelationId == "corr_abc123");
        var start = (await f.Engine.GetTraceAsync("PO-2026-0012")).Single();
        start.CausationId.Should().Be("REPLEN-2026-0041#3");
        start.Actor.Should().Be(ReplenishmentEngine);
        start.Evidence.Root.GetProperty("spawnedBy").GetProperty("recordHash").GetString().Should().Be(result.Record!.Hash);
        var events = await f.EventsAsync();
        var spawned = events.Single(e => e.Type == LoopEventTypes.Spawned);
        spawned.AggregateId.Should().Be("REPLEN-2026-0041");
        spawned.Json.Should().Contain("\"parentAggregateId\":\"REPLEN-2026-0041\"").And.Contain("\"childLoopId\":\"scm.procurement\"").And.Contain("\"childAggregateId\":\"PO-2026-0012\"");
        events.Should().Contain(e => e.Type == LoopEventTypes.Started && e.AggregateId == "PO-2026-0012");
        (await f.Engine.VerifyTraceAsync("PO-2026-0012")).IsValid.Should().BeTrue();
    }

    [Fact]
    public async Task TransitionAsync_ExplicitSpawnAggregateId_UsesIt()
    {
        var f = await ReplenishmentAtRecommendedAsync();

        await f.Engine.TransitionAsync(new TransitionRequest
        {
            AggregateId = "REPLEN-2026-0041", TransitionId = "create_po", Actor = ReplenishmentEngine, Evidence = Evidence.Parse("""{"supplier":"SUP-ACME"}"""),
            SpawnAggregateIds = new Dictionary<string, string> { ["scm.procurement"] = "PO-CUSTOM-1" },
        });

        (await f.Engine.GetChildrenAsync("REPLEN-2026-0041")).Select(c => c.AggregateId).Should().Equal("PO-CUSTOM-1");
    }

    [Fact]
    public async Task TransitionAsync_ChildAggregateAlreadyExists_ThrowsAndParentDoesNotMove()
    {
        var f = await ReplenishmentAtRecommendedAsync();
        await f.Engine.StartAsync(new StartLoopRequest { LoopId = "scm.procurement", AggregateId = "PO-2026-0012", Actor = ReplenishmentEngine });
        var eventsBefore = (await f.EventsAsync()).Count;

        var act = () => f.RequestAsync("REPLEN-2026-0041", "create_po", ReplenishmentEngine, """{"supplier":"SUP-ACME"}""").AsTask();

        (await act.Should().ThrowAsync<LoopAlreadyExistsException>()).WithMessage("*PO-2026-0012*parent did not move*");
        var parent = await f.Engine.GetInstanceAsync("REPLEN-2026-0041");
        parent!.CurrentState.Should().Be("REPLENISHMENT_RECOMMENDED");
        parent.Version.Should().Be(2);
        (await f.Engine.GetTraceAsync("REPLEN-2026-0041")).Should().HaveCount(2);
        (await f.EventsAsync()).Should().HaveCount(eventsBefore);
        (await f.Engine.GetInstanceAsync("PO-2026-0012"))!.ParentAggregateId.Should().BeNull();
    }

    [Fact]
    public async Task TransitionAsync_SpawnAggregateIdForLoopNotSpawned_ThrowsSpawnNotAllowed()
    {
        var f = await ReplenishmentAtRecommendedAsync();

        var act = () => f.Engine.TransitionAsync(new TransitionRequest
        {
            AggregateId = "REPLEN-2026-0041", TransitionId = "create_po", Actor = ReplenishmentEngine, Evidence = Evidence.Parse("""{"supplier":"SUP-ACME"}"""),
            SpawnAggregateIds = new Dictionary<string, string> { ["scm.shipping"] = "SHIP-1" },
        }).AsTask();

        (await act.Should().ThrowAsync<SpawnNotAllowedException>()).WithMessage("*scm.shipping*It spawns: scm.procurement*");
        (await f.Engine.GetInstanceAsync("REPLEN-2026-0041"))!.Version.Should().Be(2);
    }

    [Fact]
    public async Task SpawnAsync_LoopNotInSpawnableLoops_ThrowsSpawnNotAllowed()
    {
        var f = await ReplenishmentAtRecommendedAsync();

        var act = () => f.Engine.SpawnAsync(new SpawnLoopRequest { ParentAggregateId = "REPLEN-2026-0041", ParentSequence = 2, ChildLoopId = "scm.replenishment", Actor = ReplenishmentEngine }).AsTask();

        (await act.Should().ThrowAsync<SpawnNotAllowedException>()).WithMessage("*may not spawn 'scm.replenishment'*spawnableLoops are scm.procurement*");
    }

    [Fact]
    public async Task SpawnAsync_CalledTwiceForSameParentRecord_OpensOneChild()
    {
        var f = await ReplenishmentAtRecommendedAsync();
        var request = new SpawnLoopRequest { ParentAggregateId = "REPLEN-2026-0041", ParentSequence = 2, ChildLoopId = "scm.procurement", Actor = ReplenishmentEngine };

        var first = await f.Engine.SpawnAsync(request);
        var second = await f.Engine.SpawnAsync(request);

        first.AggregateId.Should().Be("PO-2026-0012");
        second.AggregateId.Should().Be(first.AggregateId);
        (await f.Engine.GetChildrenAsync("REPLEN-2026-0041")).Should().ContainSingle();
        (await f.EventsAsync()).Count(e => e.Type == LoopEventTypes.Spawned).Should().Be(1);
    }

    [Fact]
    public async Task SpawnAsync_ConcurrentCallsForSameParentRecord_OpenExactlyOneChild()
    {
        var f = await ReplenishmentAtRecommendedAsync();
        var request = new SpawnLoopRequest { ParentAggregateId = "REPLEN-2026-0041", ParentSequence = 2, ChildLoopId = "scm.procurement", Actor = ReplenishmentEngine };

        var children = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () => await f.Engine.SpawnAsync(request))));

        children.Select(c => c.AggregateId).Distinct().Should().ContainSingle();
        (await f.Engine.GetChildrenAsync("REPLEN-2026-0041")).Should().ContainSingle();
    }

    [Fact]
    public async Task SpawnAsync_AfterTransitionSpawnedForThatRecord_ReturnsTheSameChild()
    {
        var f = await ReplenishmentAtRecommendedAsync();
        await f.RequestAsync("REPLEN-2026-0041", "create_po", ReplenishmentEngine, """{"supplier":"SUP-ACME"}""");

        var child = await f.Engine.SpawnAsync(new SpawnLoopRequest { ParentAggregateId = "REPLEN-2026-0041", ParentSequence = 3, ChildLoopId = "scm.procurement", Actor = ReplenishmentEngine });

        child.AggregateId.Should().Be("PO-2026-0012");
        (await f.Engine.GetChildrenAsync("REPLEN-2026-0041")).Should().ContainSingle();
    }

    [Fact]
    public async Task GetParentAsync_AndCorrelationTree_LinkParentAndChildren()
    {
        var f = await ReplenishmentAtRecommendedAsync();
        await f.RequestAsync("REPLEN-2026-0041", "create_po", ReplenishmentEngine, """{"supplier":"SUP-ACME"}""");
        await f.Engine.SpawnAsync(new SpawnLoopRequest { ParentAggregateId = "REPLEN-2026-0041", ParentSequence = 2, ChildLoopId = "scm.procurement", Actor = ReplenishmentEngine, ChildAggregateId = "PO-2026-0099" });
        await f.Engine.StartAsync(new StartLoopRequest { LoopId = "scm.procurement", AggregateId = "PO-OTHER", Actor = ReplenishmentEngine, CorrelationId = "corr_other" });

        (await f.Engine.GetParentAsync("PO-2026-0012"))!.AggregateId.Should().Be("REPLEN-2026-0041");
        (await f.Engine.GetParentAsync("REPLEN-2026-0041")).Should().BeNull();
        var tree = await f.Engine.GetCorrelationTreeAsync("corr_abc123");

        tree.Should().ContainSingle().Which.Instance.AggregateId.Should().Be("REPLEN-2026-0041");
        tree[0].Children.Select(c => c.Instance.AggregateId).Should().BeEquivalentTo("PO-2026-0012", "PO-2026-0099");
    }

    [Fact]
    public async Task Rebuild_SpawnedChildTrace_RestoresParentLinks()
    {
        var f = await ReplenishmentAtRecommendedAsync();
        await f.RequestAsync("REPLEN-2026-0041", "create_po", ReplenishmentEngine, """{"supplier":"SUP-ACME"}""");
        await f.RequestAsync("PO-2026-0012", "confirm_po", TestLoops.Drew, """{"approved":true}""");

        var rebuilt = TraceReplay.Rebuild(await f.Engine.GetTraceAsync("PO-2026-0012"), f.Registry.Get("scm.procurement"));

        rebuilt.Should().BeEquivalentTo(await f.Engine.GetInstanceAsync("PO-2026-0012"));
    }

    [Fact]
    public async Task StartAsync_EvidenceWithReservedSpawnedBy_Throws()
    {
        var f = new EngineFixture();

        var act = () => f.Engine.StartAsync(new StartLoopRequest { LoopId = "scm.procurement", AggregateId = "PO-1", Actor = TestLoops.Drew, Evidence = Evidence.Parse("""{"spawnedBy":{"loopId":"x.y"}}""") }).AsTask();

        await act.Should().ThrowAsync<EvidenceException>().WithMessage("*spawnedBy*reserved*");
    }

    [Fact]
    public async Task TransitionAsync_DefaultPattern_UsesLoopIdYearAndSixDigits()
    {
        var f = new EngineFixture(definitions: [LoopCatalog.Load("scm.replenishment", "2.0.0"), LoopCatalog.Load("scm.procurement", "2.0.0")]);
        await f.Engine.StartAsync(new StartLoopRequest { LoopId = "scm.replenishment", AggregateId = "R-1", Actor = DemandSignal });
        await f.RequestAsync("R-1", "recommend_replenishment", DemandSignal);

        await f.RequestAsync("R-1", "create_po", ReplenishmentEngine, """{"supplier":"SUP-ACME"}""");

        (await f.Engine.GetChildrenAsync("R-1")).Single().AggregateId.Should().Be("scm.procurement-2026-000001");
    }
}
