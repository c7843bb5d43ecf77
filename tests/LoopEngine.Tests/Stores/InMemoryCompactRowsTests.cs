using LoopEngine;
using LoopEngine.Tests.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace LoopEngine.Tests.Stores;

/// <summary>
/// The in-memory store keeps what the engine wrote compact where it can write it again (a start's record and started
/// event, an executed request's events beside its trace record, a rejected request's events as one row): what a reader
/// gets must equal what was committed, byte for byte, before and after the instance moves or changes a field the compact
/// start takes from it; anything the engine did not write exactly so is kept as committed.
/// </summary>
public sealed class InMemoryCompactRowsTests
{
    private static readonly DateTimeOffset Now = new(2026, 2, 14, 9, 14, 10, 123, TimeSpan.Zero);

    [Theory]
    [InlineData(null, null)]
    [InlineData("corr_given", "cause-1")]
    public async Task Start_DefaultIds_HeldCompactAndReadBackEqualToWhatWasCommitted(string? correlationId, string? causationId)
    {
        var (store, capture, engine, time) = Create();

        await engine.StartAsync(new StartLoopRequest
        {
            LoopId = "scm.procurement", AggregateId = "PO-1", Actor = TestLoops.Replenishment, CorrelationId = correlationId, CausationId = causationId,
            Evidence = Evidence.Parse("""{"source":"erp","lines":[1,2]}"""),
        });

        store.HoldsCompactStart("default", "PO-1").Should().BeTrue();
        store.HeldEvent(1).Should().NotBeOfType<LoopEvent>("the started event is held by its instance's entry");
        await ShouldReadBackAsCommittedAsync(store, capture);
    }

    [Fact]
    public async Task Start_ThenExecutedAndRejectedRequests_HeldCompactAndTraceAndEventsReadBackAsCommitted()
    {
        var (store, capture, engine, time) = Create();
        await engine.StartAsync(new StartLoopRequest { LoopId = "scm.procurement", AggregateId = "PO-1", Actor = TestLoops.Replenishment });
        time.Advance(TimeSpan.FromMilliseconds(90_061));
        await engine.TransitionAsync(new TransitionRequest { AggregateId = "PO-1", TransitionId = "confirm_po", Actor = TestLoops.Drew, Evidence = Evidence.Parse("""{"approved":true}"""), CausationId = "cause-7" });
        time.Advance(TimeSpan.FromMilliseconds(1_234));
        (await engine.TransitionAsync(new TransitionRequest { AggregateId = "PO-1", TransitionId = "close", Actor = Actor.Webhook("webhook:erp"), Evidence = Evidence.Empty, CorrelationId = "corr_other" })).IsBlocked.Should().BeTrue();

        store.HoldsCompactStart("default", "PO-1").Should().BeTrue();
        var record = capture.Commits[1].Records[0];
        store.HeldEvent(2).Should().BeSameAs(record, "an executed request's events are written again from its trace record");
        store.HeldEvent(3).Should().BeSameAs(record);
        store.HeldEvent(4).Should().NotBeOfType<LoopEvent>("a rejected request's events are held as one row").And.BeSameAs(store.HeldEvent(5));
        await ShouldReadBackAsCommittedAsync(store, capture);
        (await store.ReadEventsAsync(0, 10))[2].Json.Should().Contain("\"durationMs\":90061");
        (await engine.VerifyTraceAsync("PO-1")).IsValid.Should().BeTrue();
    }

    [Fact]
    public async Task Request_EventsNotWrittenFromWhatTheStoreHolds_KeptAsCommitted()
    {
        var (_, capture, engine, time) = Create();
        await engine.StartAsync(new StartLoopRequest { LoopId = "scm.procurement", AggregateId = "PO-1", Actor = TestLoops.Replenishment });
        time.Advance(TimeSpan.FromSeconds(5));
        await engine.TransitionAsync(new TransitionRequest { AggregateId = "PO-1", TransitionId = "confirm_po", Actor = TestLoops.Drew, Evidence = Evidence.Parse("""{"approved":true}""") });
        await engine.TransitionAsync(new TransitionRequest { AggregateId = "PO-1", TransitionId = "close", Actor = Actor.Webhook("webhook:erp"), Evidence = Evidence.Empty });
        var (start, step, rejected) = (capture.Commits[0], capture.Commits[1], capture.Commits[2]);
        var blocked = rejected.Events[1];
        var blockedBody = (EventBody<(string, Actor, BlockReason, IReadOnlyList<GuardFailure>)>)blocked.Body!;
        var later = new LoopEvent(null, 7, 9, blocked.Type, blocked.OrgId, blocked.LoopId, blocked.AggregateId, blocked.CorrelationId, blocked.OccurredAt.AddMilliseconds(1),
            new EventBody<(string, Actor, BlockReason, IReadOnlyList<GuardFailure>)>(blockedBody.CausationId, blockedBody.State, LoopRuntime.BlockedFields));

        // Replayed into a fresh store: as committed, a record whose evidence is not the events' own,
        // or an executed event that is a copy; and a rejection whose blocked event is 1 ms later than its requested event.
        foreach (var (variant, expectCompactPair) in new (Func<StoreCommit, StoreCommit>, bool)[]
        {
            (c => c, true),
            (c => c with { Records = [c.Records[0] with { Evidence = Evidence.Parse("""{"approved":true,"other":1}""") }] }, false),
            (c => c with { Events = [c.Events[0], c.Events[1] with { }] }, false),
        })
        {
            var store = new InMemoryLoopStore();
            (await store.CommitAsync(start)).IsCommitted.Should().BeTrue();
            var changed = variant(step);
            (await store.CommitAsync(changed)).IsCommitted.Should().BeTrue();
            (await store.CommitAsync(rejected with { Events = [rejected.Events[0], later] })).IsCommitted.Should().BeTrue();

            (store.HeldEvent(2) is TransitionRecord).Should().Be(expectCompactPair);
            store.HeldEvent(4).Should().BeOfType<LoopEvent>();
            var events = await store.ReadEventsAsync(0, 10);
            var committed = start.Events.Concat(changed.Events).Concat([rejected.Events[0], later]).ToList();
            events.Should().HaveCount(committed.Count);
            for (var i = 0; i < events.Count; i++)
            {
                events[i].Json.Should().Be(committed[i].Json);
                events[i].Should().Be(committed[i] with { Position = i + 1 });
            }
        }
    }

    [Fact]
    public async Task StartedInstanceOpenedEarlier_ExecutedEventDurationNotTheRecordsDistance_KeptAsCommitted()
    {
        var (_, capture, engine, time) = Create();
        await engine.StartAsync(new StartLoopRequest { LoopId = "scm.procurement", AggregateId = "PO-1", Actor = TestLoops.Replenishment });
        time.Advance(TimeSpan.FromSeconds(5));
        await engine.TransitionAsync(new TransitionRequest { AggregateId = "PO-1", TransitionId = "confirm_po", Actor = TestLoops.Drew, Evidence = Evidence.Parse("""{"approved":true}""") });
        var start = capture.Commits[0];
        var instance = start.Instances[0].Instance;

        // The store's start record is not compact (its time is not the instance's), and the record before the step is 2 s later than the event's duration says.
        var store = new InMemoryLoopStore();
        (await store.CommitAsync(start with { Records = [start.Records[0] with { OccurredAt = instance.OpenedAt.AddSeconds(2) }] })).IsCommitted.Should().BeTrue();
        (await store.CommitAsync(capture.Commits[1])).IsCommitted.Should().BeTrue();

        store.HeldEvent(2).Should().BeOfType<LoopEvent>();
        var events = await store.ReadEventsAsync(1, 10);
        events[1].Json.Should().Be(capture.Commits[1].Events[1].Json).And.Contain("\"durationMs\":5000");
    }

    [Theory]
    [InlineData("correlation")]
    [InlineData("version")]
    [InlineData("loop")]
    [InlineData("opened")]
    [InlineData("org")]
    public async Task InstanceWrite_ChangesAFieldTheCompactStartTakesFromIt_StartReadsBackAsCommitted(string change)
    {
        var (store, capture, engine, time) = Create();
        var instance = await engine.StartAsync(new StartLoopRequest { LoopId = "scm.procurement", AggregateId = "PO-1", Actor = TestLoops.Replenishment, CausationId = "cause-1" });
        var changed = change switch
        {
            "correlation" => instance with { CorrelationId = "corr_other" },
            "version" => instance with { DefinitionVersion = "9.9.9" },
            "loop" => instance with { LoopId = "other.loop" },
            "org" => instance with { OrgId = "other-org" },
            _ => instance with { OpenedAt = instance.OpenedAt.AddMinutes(1) },
        };

        var result = await capture.CommitAsync(new StoreCommit { OrgId = "default", Instances = [new InstanceWrite(changed with { Version = 2 }, 1)] });

        result.IsCommitted.Should().BeTrue();
        store.HoldsCompactStart("default", "PO-1").Should().BeFalse("the start no longer shares those fields with its instance");
        store.HeldEvent(1).Should().BeOfType<LoopEvent>();
        await ShouldReadBackAsCommittedAsync(store, capture);
    }

    [Fact]
    public async Task Start_RecordOrEventNotAsTheEngineWritesThem_KeptAsCommitted()
    {
        var store = new InMemoryLoopStore();
        var (_, capture, engine, _) = Create();
        await engine.StartAsync(new StartLoopRequest { LoopId = "scm.procurement", AggregateId = "PO-1", Actor = TestLoops.Replenishment });
        var commit = capture.Commits[0];
        var record = commit.Records[0] with { Warnings = [new GuardWarning("g", "soft")] };
        var started = commit.Events[0] with { Json = commit.Events[0].Json.Replace("\"initialState\"", "\"initialState\" ", StringComparison.Ordinal) };

        (await store.CommitAsync(commit with { Records = [record], Events = [started] })).IsCommitted.Should().BeTrue();
        // A copy made with 'with' renders its original's JSON: it must not be written again from its own fields.
        var copied = commit.Events[0] with { AggregateId = "PO-2" };
        (await store.CommitAsync(commit with { Instances = [new InstanceWrite(commit.Instances[0].Instance with { AggregateId = "PO-2" }, 0)], Records = [commit.Records[0] with { AggregateId = "PO-2" }], Events = [copied] })).IsCommitted.Should().BeTrue();

        store.HoldsCompactStart("default", "PO-1").Should().BeFalse();
        store.HoldsCompactStart("default", "PO-2").Should().BeTrue();
        store.HeldEvent(2).Should().BeSameAs(copied);
        (await store.ReadTraceAsync("default", "PO-1"))[0].Should().Be(record);
        var events = await store.ReadEventsAsync(0, 10);
        events[0].Should().Be(started with { Position = 1 });
        events[0].Json.Should().Be(started.Json);
        events[1].Should().Be(copied with { Position = 2 });
        events[1].Json.Should().Be(copied.Json);
    }

    [Fact]
    public async Task Starts_WithTheSameActorEvidenceCausationAndState_ShareOneShape_EachReadsBackAsCommitted()
    {
        var (store, capture, engine, time) = Create();
        var evidence = Evidence.Parse("""{"source":"erp"}""");

        // Equal actors made separately, equal evidence (the same object, or parsed again from the same JSON): one shape.
        // Another causation, other evidence or another actor: a shape of its own.
        await engine.StartAsync(new StartLoopRequest { LoopId = "scm.procurement", AggregateId = "PO-1", Actor = Actor.Automation("system:replenishment"), Evidence = evidence });
        time.Advance(TimeSpan.FromMilliseconds(7));
        await engine.StartAsync(new StartLoopRequest { LoopId = "scm.procurement", AggregateId = "PO-2", Actor = Actor.Automation("system:replenishment"), Evidence = evidence });
        await engine.StartAsync(new StartLoopRequest { LoopId = "scm.procurement", AggregateId = "PO-3", Actor = Actor.Automation("system:replenishment"), Evidence = evidence, CausationId = "cause-3" });
        await engine.StartAsync(new StartLoopRequest { LoopId = "scm.procurement", AggregateId = "PO-4", Actor = Actor.Automation("system:replenishment"), Evidence = Evidence.Parse("""{"source":"crm"}""") });
        await engine.StartAsync(new StartLoopRequest { LoopId = "scm.procurement", AggregateId = "PO-5", Actor = Actor.Automation("system:other"), Evidence = evidence });
        await engine.StartAsync(new StartLoopRequest { LoopId = "scm.procurement", AggregateId = "PO-6", Actor = Actor.Automation("system:other"), Evidence = Evidence.Parse("""{"source":"erp"}""") });

        var aggregates = new[] { "PO-1", "PO-2", "PO-3", "PO-4", "PO-5", "PO-6" };
        var shapes = aggregates.Select(a => store.StartShapeOf("default", a)).ToList();
        shapes.Should().AllSatisfy(s => s.Should().NotBeNull());
        shapes[1].Should().BeSameAs(shapes[0]);
        shapes[5].Should().BeSameAs(shapes[4], "evidence parsed again from the same JSON is the same evidence");
        shapes.Take(5).Skip(2).Should().OnlyHaveUniqueItems().And.NotContain(shapes[0]);

        // The second loop moves on (its compact start stays), the first is read back after it.
        await engine.TransitionAsync(new TransitionRequest { AggregateId = "PO-2", TransitionId = "confirm_po", Actor = TestLoops.Drew, Evidence = Evidence.Parse("""{"approved":true}""") });
        store.StartShapeOf("default", "PO-2").Should().BeSameAs(shapes[0]);

        var committed = capture.Commits.SelectMany(c => c.Records).ToList();
        foreach (var aggregate in aggregates)
        {
            var trace = await store.ReadTraceAsync("default", aggregate);
            trace.Should().Equal(committed.Where(r => r.AggregateId == aggregate));
            trace.Select(TraceCanonicalizer.ComputeHash).Should().Equal(trace.Select(r => r.Hash));
            (await engine.VerifyTraceAsync(aggregate)).IsValid.Should().BeTrue();
        }

        var events = await store.ReadEventsAsync(0, 100);
        events.Select(e => e.Json).Should().Equal(capture.Commits.SelectMany(c => c.Events).Select(e => e.Json));
    }

    private static async Task ShouldReadBackAsCommittedAsync(InMemoryLoopStore store, CapturingStore capture)
    {
        var committedRecords = capture.Commits.SelectMany(c => c.Records).ToList();
        var committedEvents = capture.Commits.SelectMany(c => c.Events).ToList();
        var trace = await store.ReadTraceAsync("default", "PO-1");
        trace.Should().HaveCount(committedRecords.Count);
        for (var i = 0; i < trace.Count; i++)
        {
            trace[i].Should().Be(committedRecords[i]);
            trace[i].Hash.Should().Be(committedRecords[i].Hash);
            trace[i].PreviousHash.Should().Be(committedRecords[i].PreviousHash);
            TraceCanonicalizer.ToCanonicalJson(trace[i]).Should().Be(TraceCanonicalizer.ToCanonicalJson(committedRecords[i]));
            TraceCanonicalizer.ComputeHash(trace[i]).Should().Be(committedRecords[i].Hash);
        }

        // Read twice: a compact event is written again on every read, each time the same.
        foreach (var events in new[] { await store.ReadEventsAsync(0, 100), await store.ReadEventsAsync(0, 100) })
        {
            events.Should().HaveCount(committedEvents.Count);
            for (var i = 0; i < events.Count; i++)
            {
                events[i].Json.Should().Be(committedEvents[i].Json);
                events[i].EventId.Should().Be(committedEvents[i].EventId);
                events[i].Should().Be(committedEvents[i] with { Position = i + 1 });
            }
        }
    }

    private static (InMemoryLoopStore Store, CapturingStore Capture, LoopRuntime Engine, FakeTimeProvider Time) Create()
    {
        var store = new InMemoryLoopStore();
        var capture = new CapturingStore(store);
        var registry = new LoopRegistry();
        registry.Add(TestLoops.Procurement());
        var time = new FakeTimeProvider(Now);
        return (store, capture, new LoopRuntime(capture, registry, timeProvider: time), time);
    }

    /// <summary>Forwards to an in-memory store and keeps every commit it was given.</summary>
    private sealed class CapturingStore(InMemoryLoopStore inner) : ForwardingLoopStore(inner)
    {
        public List<StoreCommit> Commits { get; } = [];

        public override ValueTask<CommitResult> CommitAsync(StoreCommit commit, CancellationToken cancellationToken = default)
        {
            Commits.Add(commit);
            return base.CommitAsync(commit, cancellationToken);
        }
    }
}
