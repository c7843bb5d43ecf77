using System.Collections.Concurrent;
using System.Globalization;
using FluentAssertions.Execution;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace LoopEngine.Conformance.Stores;

/// <summary>
/// The real <see cref="LoopRuntime"/> over a store: the page's procurement flow with an AI recommendation and a human
/// approval, R1 (32 × 250 racing writers on one aggregate, with expected versions and with the engine's own retries), R10 (every instance rebuilt from its trace), a spawn with an
/// aggregate id pattern and an SLA breach fired by the sweeper. A store's test class inherits it and supplies the store.
/// </summary>
public abstract class EngineOnStoreConformanceTests(ITestOutputHelper? output = null)
{
    private static readonly Actor Drew = Actor.Human("drew.kim@lumebonde.co");
    private static readonly Actor Replenishment = Actor.Automation("system:replenishment");
    private static readonly Actor Claude = Actor.AiAgent("agent:commerce-gateway/claude", "claude-sonnet-4", "anthropic", 0.92);
    private static readonly Actor DemandSignal = Actor.Automation("system:demand-signal");
    private static readonly Actor ReplenishmentEngine = Actor.Automation("system:replenishment-engine");

    /// <summary>Creates a fresh, empty store.</summary>
    /// <returns>The store.</returns>
    protected abstract ValueTask<ILoopStore> CreateStoreAsync();

    /// <summary>Gets the requests each of the 32 racing writers makes in R1 (TARGETS.md: 250, on every store).</summary>
    protected virtual int RacingRequestsPerWriter => 250;

    /// <summary>
    /// Gets the requests each of the 32 writers makes in the R1 variant without expected versions, where the engine
    /// re-evaluates every lost race itself (so nearly every request ends in a commit, against one row).
    /// </summary>
    protected virtual int RetryingRequestsPerWriter => 250;

    /// <summary>A counter loop whose self-transition lets every request on one aggregate execute.</summary>
    public static LoopDefinition Counter() =>
        LoopDefinition.Create("test.counter", "1.0.0")
            .AddState("COUNTING", s => s.Initial())
            .AddState("DONE", s => s.Terminal())
            .AddTransition("tick", "COUNTING", "COUNTING", t => t.AllowActors(ActorType.Automation, ActorType.Human))
            .AddTransition("finish", "COUNTING", "DONE", t => t.AllowActors(ActorType.Automation))
            .WithOutcome("counted", "Counting finished", "count")
            .Build();

    /// <summary>Creates an engine over a store with a fake clock and sequential ids, with the catalog's SCM loops and the counter.</summary>
    /// <param name="store">The store.</param>
    /// <param name="options">The options, or <see langword="null"/>.</param>
    /// <returns>The engine, its registry and its clock.</returns>
    public static (LoopRuntime Engine, LoopRegistry Registry, FakeTimeProvider Time) CreateEngine(ILoopStore store, LoopEngineOptions? options = null)
    {
        var registry = new LoopRegistry();
        registry.Add(LoopCatalog.Load("scm.procurement", "2.0.0"));
        registry.Add(LoopCatalog.Load("scm.replenishment", "2.0.0"));
        registry.Add(Counter());
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 2, 14, 9, 14, 10, TimeSpan.Zero));
        return (new LoopRuntime(store, registry, options, time, new SequentialLoopIdGenerator()), registry, time);
    }

    private static ValueTask<TransitionResult> RequestAsync(LoopRuntime engine, string aggregateId, string transitionId, Actor actor, string evidence = "{}", long? expectedVersion = null) =>
        engine.TransitionAsync(new TransitionRequest { AggregateId = aggregateId, TransitionId = transitionId, Actor = actor, Evidence = Evidence.Parse(evidence), ExpectedVersion = expectedVersion });

    /// <summary>
    /// R1: 32 writers × <see cref="RacingRequestsPerWriter"/> (or <see cref="RetryingRequestsPerWriter"/>) requests on one aggregate. With an expected version each
    /// writer reads the instance first and a lost race is a typed conflict; without one the engine re-evaluates a lost
    /// race itself (up to <see cref="LoopEngineOptions.MaxConflictRetries"/>) before answering with a typed conflict.
    /// Either way every request is executed or a typed conflict, and the trace holds every acknowledged transition
    /// exactly once, gapless, and verifies.
    /// </summary>
    private async Task RaceOnOneAggregateAsync(bool withExpectedVersion)
    {
        const int writers = 32;
        var (engine, _, _) = CreateEngine(await CreateStoreAsync());
        await engine.StartAsync(new StartLoopRequest { LoopId = "test.counter", AggregateId = "C-R1", Actor = Replenishment });
        var perWriter = withExpectedVersion ? RacingRequestsPerWriter : RetryingRequestsPerWriter;
        var acknowledged = new ConcurrentBag<TransitionRecord>();
        var conflicts = 0;

        await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < perWriter; i++)
            {
                var expected = withExpectedVersion ? (await engine.GetInstanceAsync("C-R1"))!.Version : (long?)null;
                var result = await RequestAsync(engine, "C-R1", "tick", Replenishment, $$"""{"writer":{{w}},"i":{{i}}}""", expected);
                if (result.IsExecuted)
                {
                    acknowledged.Add(result.Record!);
                }
                else
                {
                    result.Outcome.Should().Be(TransitionOutcome.VersionConflict);
                    Interlocked.Increment(ref conflicts);
                }
            }
        })));

        var executed = acknowledged.Count;
        var trace = await engine.GetTraceAsync("C-R1");
        var stored = trace.Skip(1).ToDictionary(r => r.Hash);
        var lost = acknowledged.Count(r => !stored.TryGetValue(r.Hash, out var s) || s.Sequence != r.Sequence);
        var duplicated = trace.Skip(1).GroupBy(r => r.Evidence.Json).Sum(g => g.Count() - 1);
        var sequences = trace.Select(r => r.Sequence).ToHashSet();
        var gaps = LongRange(1, sequences.Count == 0 ? 0 : sequences.Max()).Count(s => !sequences.Contains(s));
        output?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"R1 on {GetType().Name} ({(withExpectedVersion ? "expected version" : "engine retries")}): {writers} writers x {perWriter} requests = {writers * perWriter}; executed {executed}, typed conflicts {conflicts}, lost {lost}, duplicated {duplicated}, gaps {gaps}, trace records {trace.Count}"));

        (executed + conflicts).Should().Be(writers * perWriter, "every request is executed or a typed version conflict");
        executed.Should().BePositive();
        (lost, duplicated, gaps).Should().Be((0, 0, 0), "lost, duplicated and gaps");
        trace.Should().HaveCount(executed + 1, "no transition is lost or duplicated");
        trace.Select(r => r.Sequence).Should().Equal(Enumerable.Range(1, executed + 1).Select(i => (long)i), "sequences are gapless");
        (await engine.GetInstanceAsync("C-R1"))!.Version.Should().Be(executed + 1);
        (await engine.VerifyTraceAsync("C-R1")).IsValid.Should().BeTrue();
    }

    private static IEnumerable<long> LongRange(long first, long last)
    {
        for (var i = first; i <= last; i++)
        {
            yield return i;
        }
    }

    private static async Task<List<LoopEvent>> EventsAsync(LoopRuntime engine)
    {
        var events = new List<LoopEvent>();
        await foreach (var e in engine.ReadEventsAsync())
        {
            events.Add(e);
        }

        return events;
    }

    [StoreFact]
    public async Task Procurement_AiRecommendationApprovedByHuman_ExecutesWithBothEvidencesAndVerifies()
    {
        var (engine, _, time) = CreateEngine(await CreateStoreAsync());
        const string po = "PO-2026-0012";
        await engine.StartAsync(new StartLoopRequest { LoopId = "scm.procurement", AggregateId = po, Actor = Replenishment, CorrelationId = "corr_abc123" });
        (await RequestAsync(engine, po, "confirm_po", Drew, """{"approved":true,"method":"3-way-match"}""")).IsExecuted.Should().BeTrue();
        (await RequestAsync(engine, po, "schedule_receipt", Replenishment, """{"warehouse":"DC-East","eta":"2026-02-17"}""")).IsExecuted.Should().BeTrue();

        var pending = await RequestAsync(engine, po, "receive", Claude, """{"shipment_scan":"confirmed","quantity_match":true}""");

        pending.IsPending.Should().BeTrue();
        var waiting = (await engine.GetInstanceAsync(po))!;
        waiting.CurrentState.Should().Be("RECEIPT_SCHEDULED");
        waiting.PendingRecommendationCount.Should().Be(1);
        waiting.PendingRecommendations.Should().ContainSingle().Which.Id.Should().Be(pending.Recommendation!.Id);

        time.Advance(TimeSpan.FromMinutes(20));
        var approved = await engine.ApproveAsync(new ApprovalRequest { RecommendationId = pending.Recommendation!.Id, Approver = Drew, Evidence = Evidence.Parse("""{"approved":true}""") });

        approved.IsExecuted.Should().BeTrue(approved.Message);
        var record = approved.Record!;
        record.Actor.Should().Be(Drew);
        record.Recommender.Should().Be(Claude);
        record.RecommendationId.Should().Be(pending.Recommendation.Id);
        record.Evidence.Root.GetProperty("approved").GetBoolean().Should().BeTrue();
        record.RecommendationEvidence!.Root.GetProperty("shipment_scan").GetString().Should().Be("confirmed");
        var received = (await engine.GetInstanceAsync(po))!;
        received.CurrentState.Should().Be("RECEIVED");
        received.PendingRecommendationCount.Should().Be(0);
        received.PendingRecommendations.Should().BeEmpty();
        (await engine.GetTraceAsync(po)).Should().HaveCount(4).And.ContainSingle(r => r.RecommendationId == pending.Recommendation.Id);
        (await engine.VerifyTraceAsync(po)).IsValid.Should().BeTrue();
        (await EventsAsync(engine)).Select(e => e.Type).Should().Contain([LoopEventTypes.RecommendationApproved]);
    }

    [StoreFact]
    public Task R1_ThirtyTwoWritersOnOneAggregateWithExpectedVersion_NoLostDuplicatedOrGaps() =>
        RaceOnOneAggregateAsync(withExpectedVersion: true);

    [StoreFact]
    public Task R1_ThirtyTwoWritersOnOneAggregateWithEngineRetries_NoLostDuplicatedOrGaps() =>
        RaceOnOneAggregateAsync(withExpectedVersion: false);

    [StoreFact]
    public async Task R10_EveryInstanceRebuiltFromItsTrace_MatchesTheStoredInstance()
    {
        var store = await CreateStoreAsync();
        var (engine, registry, _) = CreateEngine(store);
        await engine.StartAsync(new StartLoopRequest { LoopId = "scm.procurement", AggregateId = "PO-A", Actor = Replenishment });
        await RequestAsync(engine, "PO-A", "confirm_po", Drew, """{"approved":true}""");
        await RequestAsync(engine, "PO-A", "schedule_receipt", Replenishment, """{"warehouse":"DC-East","eta":"2026-02-17"}""");
        await RequestAsync(engine, "PO-A", "receive", Drew);
        await RequestAsync(engine, "PO-A", "close", Replenishment);
        await engine.StartAsync(new StartLoopRequest { LoopId = "scm.procurement", AggregateId = "PO-B", Actor = Replenishment });
        await engine.CancelAsync(new EndLoopRequest { AggregateId = "PO-B", Actor = Drew, Reason = "duplicate order" });
        await engine.StartAsync(new StartLoopRequest { LoopId = "scm.procurement", AggregateId = "PO-C", Actor = Replenishment });
        await RequestAsync(engine, "PO-C", "confirm_po", Claude, """{"approved":true}""");
        await engine.StartAsync(new StartLoopRequest { LoopId = "test.counter", AggregateId = "C-1", Actor = Replenishment });
        await RequestAsync(engine, "C-1", "tick", Drew);

        var instances = (await engine.ListInstancesAsync(new InstanceQuery { OrgId = "default", PageSize = 100 })).Items;

        instances.Select(i => i.AggregateId).Should().BeEquivalentTo("PO-A", "PO-B", "PO-C", "C-1");
        foreach (var stored in instances)
        {
            var rebuilt = TraceReplay.Rebuild(await store.ReadTraceAsync("default", stored.AggregateId), registry.Get(stored.LoopId, stored.DefinitionVersion));
            rebuilt.Should().BeEquivalentTo(stored, o => o.Excluding(i => i.PendingRecommendations).Excluding(i => i.PendingRecommendationCount)
                .Using<DateTimeOffset>(c => c.Subject.UtcTicks.Should().Be(c.Expectation.UtcTicks)).WhenTypeIs<DateTimeOffset>());
            (await engine.VerifyTraceAsync(stored.AggregateId)).IsValid.Should().BeTrue();
        }
    }

    [StoreFact]
    public async Task R10_AfterTheSeededScript_EveryInstanceRebuiltFromItsTrace_MatchesTheStoredInstance()
    {
        // The R4 script: procurement and counter loops, AI recommendations approved later, cancellations, clock steps.
        var store = await CreateStoreAsync();
        await EngineScript.RunAsync(store);
        var (engine, registry, _) = CreateEngine(store);
        var instances = new List<LoopInstance>();
        string? token = null;
        do
        {
            var page = await engine.ListInstancesAsync(new InstanceQuery { OrgId = "default", PageSize = 7, ContinuationToken = token });
            instances.AddRange(page.Items);
            token = page.ContinuationToken;
        }
        while (token is not null);

        var mismatches = new List<string>();
        foreach (var stored in instances)
        {
            var rebuilt = TraceReplay.Rebuild(await store.ReadTraceAsync("default", stored.AggregateId), registry.Get(stored.LoopId, stored.DefinitionVersion));
            using var scope = new AssertionScope();
            rebuilt.Should().BeEquivalentTo(stored, o => o.Excluding(i => i.PendingRecommendations).Excluding(i => i.PendingRecommendationCount)
                .Using<DateTimeOffset>(c => c.Subject.UtcTicks.Should().Be(c.Expectation.UtcTicks)).WhenTypeIs<DateTimeOffset>());
            if (scope.Discard() is { Length: > 0 } failures)
            {
                mismatches.Add(stored.AggregateId + ": " + string.Join(" ", failures));
            }
        }

        output?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"R10 on {GetType().Name}: instances {instances.Count} (ended {instances.Count(i => i.IsEnded)}), mismatches {mismatches.Count}"));
        instances.Should().HaveCountGreaterThan(10).And.Contain(i => i.IsEnded).And.Contain(i => !i.IsEnded);
        instances.Should().Contain(i => i.LoopId == "test.counter").And.Contain(i => i.LoopId == "scm.procurement");
        mismatches.Should().BeEmpty();
    }

    [StoreFact]
    public async Task Spawn_CreatePo_SpawnsProcurementWithPatternIdAndParentLinks()
    {
        var store = await CreateStoreAsync();
        var options = new LoopEngineOptions();
        options.SpawnAggregateIdPatterns["scm.procurement"] = "PO-{yyyy}-{seq:0000}";
        var (engine, registry, _) = CreateEngine(store, options);
        await store.SeedSequenceAsync("default", "PO-2026", 12);
        await engine.StartAsync(new StartLoopRequest { LoopId = "scm.replenishment", AggregateId = "REPLEN-2026-0041", Actor = DemandSignal, CorrelationId = "corr_abc123" });
        (await RequestAsync(engine, "REPLEN-2026-0041", "recommend_replenishment", DemandSignal)).IsExecuted.Should().BeTrue();

        var result = await RequestAsync(engine, "REPLEN-2026-0041", "create_po", ReplenishmentEngine, """{"supplier":"SUP-ACME"}""");

        result.IsExecuted.Should().BeTrue(result.Message);
        var child = (await engine.GetInstanceAsync("PO-2026-0012"))!;
        child.Should().Match<LoopInstance>(c => c.LoopId == "scm.procurement" && c.CurrentState == "OPEN"
            && c.ParentLoopId == "scm.replenishment" && c.ParentAggregateId == "REPLEN-2026-0041" && c.CorrelationId == "corr_abc123");
        (await engine.GetChildrenAsync("REPLEN-2026-0041")).Select(c => c.AggregateId).Should().Equal("PO-2026-0012");
        var start = (await engine.GetTraceAsync("PO-2026-0012")).Should().ContainSingle().Subject;
        start.Evidence.Root.GetProperty("spawnedBy").GetProperty("recordHash").GetString().Should().Be(result.Record!.Hash);
        (await store.NextSequenceValueAsync("default", "PO-2026")).Should().Be(13);
        (await EventsAsync(engine)).Should().Contain(e => e.Type == LoopEventTypes.Spawned && e.AggregateId == "REPLEN-2026-0041")
            .And.Contain(e => e.Type == LoopEventTypes.Started && e.AggregateId == "PO-2026-0012");
        TraceReplay.Rebuild(await engine.GetTraceAsync("PO-2026-0012"), registry.Get("scm.procurement", "2.0.0")).ParentAggregateId.Should().Be("REPLEN-2026-0041");
        (await engine.VerifyTraceAsync("PO-2026-0012")).IsValid.Should().BeTrue();
    }

    [StoreFact]
    public async Task Sla_ReceiptScheduledPastItsDwell_SweeperFiresBreachOnceFromTheStoredTimer()
    {
        var store = await CreateStoreAsync();
        var (engine, _, time) = CreateEngine(store);
        const string po = "PO-SLA";
        await engine.StartAsync(new StartLoopRequest { LoopId = "scm.procurement", AggregateId = po, Actor = Replenishment });
        await RequestAsync(engine, po, "confirm_po", Drew, """{"approved":true}""");
        (await RequestAsync(engine, po, "schedule_receipt", Replenishment, """{"warehouse":"DC-East","eta":"2026-02-17"}""")).IsExecuted.Should().BeTrue();
        var timer = (await ((ITimerStore)store).ListAsync("default", po)).Should().ContainSingle().Subject;
        timer.Kind.Should().Be(TimerKinds.Sla);
        timer.DueAt.Should().Be(time.GetUtcNow() + TimeSpan.FromDays(5));
        var sweeper = new SlaSweeper(engine, new SlaSweeperOptions { OwnerId = "sweeper-a" });

        time.Advance(TimeSpan.FromDays(4));
        (await sweeper.SweepOnceAsync()).Should().Be(0);
        time.Advance(TimeSpan.FromDays(1) + TimeSpan.FromMinutes(1));
        (await sweeper.SweepOnceAsync()).Should().Be(1);
        (await sweeper.SweepOnceAsync()).Should().Be(0);

        (await EventsAsync(engine)).Should().ContainSingle(e => e.Type == LoopEventTypes.SlaBreached)
            .Which.Json.Should().Contain("\"state\":\"RECEIPT_SCHEDULED\"");
        (await engine.GetInstanceAsync(po))!.CurrentState.Should().Be("RECEIPT_SCHEDULED");
        (await ((ITimerStore)store).ListAsync("default", po)).Should().BeEmpty();
    }

    [Fact]
    public async Task Versions_TwoVersionsAndMigration_RunningInstanceMovesAsTracedStepAndOldVersionFreed()
    {
        var (engine, registry, time) = CreateEngine(await CreateStoreAsync());
        registry.Add(LoopDefinition.Create("test.counter", "2.0.0")
            .AddState("COUNTING", s => s.Initial())
            .AddState("PAUSED")
            .AddState("DONE", s => s.Terminal())
            .AddTransition("tick", "COUNTING", "COUNTING", t => t.AllowActors(ActorType.Automation, ActorType.Human))
            .AddTransition("pause", "COUNTING", "PAUSED", t => t.AllowActors(ActorType.Human))
            .AddTransition("resume", "PAUSED", "COUNTING", t => t.AllowActors(ActorType.Human))
            .AddTransition("finish", "COUNTING", "DONE", t => t.AllowActors(ActorType.Automation))
            .WithOutcome("counted", "Counting finished", "count")
            .Build());
        await engine.StartAsync(new StartLoopRequest { LoopId = "test.counter", Version = "1.0.0", AggregateId = "C-OLD", Actor = Replenishment });
        var latest = await engine.StartAsync(new StartLoopRequest { LoopId = "test.counter", AggregateId = "C-NEW", Actor = Replenishment });
        await RequestAsync(engine, "C-OLD", "tick", Replenishment);

        var blockedOnOld = await RequestAsync(engine, "C-OLD", "pause", Drew);
        var inUse = async () => await engine.UnregisterAsync("test.counter", "1.0.0");
        await inUse.Should().ThrowAsync<DefinitionVersionInUseException>();
        time.Advance(TimeSpan.FromMinutes(1));
        var migrated = await engine.MigrateAsync(new MigrationRequest { AggregateId = "C-OLD", Migration = new LoopMigration("test.counter", "1.0.0", "2.0.0"), Actor = Drew, Reason = "pausing needs 2.0.0" });
        var pausedOnNew = await RequestAsync(engine, "C-OLD", "pause", Drew);

        latest.DefinitionVersion.Should().Be("2.0.0");
        blockedOnOld.BlockReason.Should().Be(BlockReason.InvalidTransition, "an instance stays on the version it started with");
        migrated.DefinitionVersion.Should().Be("2.0.0");
        pausedOnNew.IsExecuted.Should().BeTrue();
        var trace = await engine.GetTraceAsync("C-OLD");
        trace.Select(r => (r.TransitionId, r.DefinitionVersion)).Should().Equal(
            ("$start", "1.0.0"), ("tick", "1.0.0"), (ReservedTransitions.Migrate, "2.0.0"), ("pause", "2.0.0"));
        trace[2].Actor.Should().Be(Drew);
        (await engine.VerifyTraceAsync("C-OLD")).IsValid.Should().BeTrue();
        var stored = (await engine.GetInstanceAsync("C-OLD"))!;
        TraceReplay.Rebuild(trace, registry.Get("test.counter", "2.0.0"))
            .Should().BeEquivalentTo(stored, o => o.Excluding(i => i.PendingRecommendations).Excluding(i => i.PendingRecommendationCount));
        var perVersion = await engine.ListInstancesAsync(new InstanceQuery { OrgId = "default", LoopId = "test.counter", DefinitionVersion = "2.0.0" });
        perVersion.Items.Select(i => i.AggregateId).Should().BeEquivalentTo("C-NEW", "C-OLD");
        (await engine.UnregisterAsync("test.counter", "1.0.0")).Should().BeTrue();
    }
}
