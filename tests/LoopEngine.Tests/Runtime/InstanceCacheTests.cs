using LoopEngine.Conformance.Stores;
using LoopEngine.Tests.TestSupport;

namespace LoopEngine.Tests.Runtime;

/// <summary>
/// <see cref="LoopEngineOptions.InstanceCacheCapacity"/>: an engine starts a request from the instance it last wrote
/// instead of reading it. Only a commit validates a kept instance, so these tests move instances with a second engine
/// behind the first one's back and check that every answer is the one a fresh read would have given.
/// </summary>
public sealed class InstanceCacheTests
{
    private static readonly Actor Drew = Actor.Human("drew.kim@lumebonde.co");
    private static readonly Actor Replenishment = Actor.Automation("system:replenishment");

    [Theory]
    [InlineData(10_000, 0)]
    [InlineData(0, 4)]
    public async Task Transitions_OnAnAggregateThisEngineWrote_StartWithoutAStoreRead(int capacity, int expectedReads)
    {
        var store = new CountingStore(new InMemoryLoopStore());
        var engine = Engine(store, capacity);
        await engine.StartAsync(new StartLoopRequest { LoopId = "test.counter", AggregateId = "C-1", Actor = Replenishment });

        for (var i = 0; i < 4; i++)
        {
            (await Tick(engine, "C-1")).IsExecuted.Should().BeTrue();
        }

        store.InstanceReads.Should().Be(expectedReads);
        (await engine.GetTraceAsync("C-1")).Should().HaveCount(5);
        (await engine.VerifyTraceAsync("C-1")).IsValid.Should().BeTrue();
    }

    [Fact]
    public async Task KeptInstance_MovedByAnotherEngine_RequestIsDecidedAgainOnTheStoredInstance()
    {
        var store = new CountingStore(new InMemoryLoopStore());
        var first = Engine(store);
        var second = Engine(store);
        await first.StartAsync(new StartLoopRequest { LoopId = "test.counter", AggregateId = "C-2", Actor = Replenishment });
        (await Tick(first, "C-2")).IsExecuted.Should().BeTrue();
        (await Tick(second, "C-2")).IsExecuted.Should().BeTrue();
        (await Tick(second, "C-2")).IsExecuted.Should().BeTrue();

        var result = await Tick(first, "C-2");

        result.IsExecuted.Should().BeTrue(result.Message);
        result.Record!.Sequence.Should().Be(5);
        var trace = await first.GetTraceAsync("C-2");
        trace.Select(r => r.Sequence).Should().Equal(1L, 2L, 3L, 4L, 5L);
        result.Record.PreviousHash.Should().Be(trace[3].Hash, "the request was decided again on the instance the other engine wrote");
        (await first.VerifyTraceAsync("C-2")).IsValid.Should().BeTrue();
    }

    [Fact]
    public async Task KeptInstance_BehindAStateThatAllowsTheRequest_IsNotRefusedOnTheKeptState()
    {
        // The first engine keeps the PO at OPEN; the second confirms it. Scheduling the receipt is refused from OPEN but
        // allowed from CONFIRMED: the refusal must not be decided (and its blocked event written) on the kept instance.
        var store = new CountingStore(new InMemoryLoopStore());
        var first = Engine(store);
        var second = Engine(store);
        await first.StartAsync(new StartLoopRequest { LoopId = "scm.procurement", AggregateId = "PO-C-1", Actor = Replenishment });
        (await Request(second, "PO-C-1", "confirm_po", Drew, """{"approved":true,"method":"3-way-match"}""")).IsExecuted.Should().BeTrue();

        var result = await Request(first, "PO-C-1", "schedule_receipt", Replenishment, """{"warehouse":"DC-East","eta":"2026-02-17"}""");

        result.IsExecuted.Should().BeTrue(result.Message);
        var events = await store.ReadEventsAsync(0, int.MaxValue);
        events.Select(e => e.Type).Should().NotContain(LoopEventTypes.Blocked);
    }

    [Fact]
    public async Task KeptInstance_BehindAClosedLoop_AnswersAsAFreshReadWould()
    {
        var store = new CountingStore(new InMemoryLoopStore());
        var first = Engine(store);
        var second = Engine(store);
        var fresh = Engine(store, capacity: 0);
        await first.StartAsync(new StartLoopRequest { LoopId = "test.counter", AggregateId = "C-3", Actor = Replenishment });
        (await Tick(first, "C-3")).IsExecuted.Should().BeTrue();
        (await Request(second, "C-3", "finish", Replenishment)).IsExecuted.Should().BeTrue();

        var kept = await Capture(() => Tick(first, "C-3"));
        var read = await Capture(() => Tick(fresh, "C-3"));

        kept.Should().Be(read);
        (await first.GetTraceAsync("C-3")).Should().HaveCount(3);
    }

    [Fact]
    public async Task KeptInstance_BehindTheVersionTheCallerExpects_ExecutesAtThatVersion()
    {
        var store = new CountingStore(new InMemoryLoopStore());
        var first = Engine(store);
        var second = Engine(store);
        await first.StartAsync(new StartLoopRequest { LoopId = "test.counter", AggregateId = "C-4", Actor = Replenishment });
        (await Tick(first, "C-4")).IsExecuted.Should().BeTrue();
        (await Tick(second, "C-4")).IsExecuted.Should().BeTrue();
        var read = (await second.GetInstanceAsync("C-4"))!;

        var result = await first.TransitionAsync(new TransitionRequest { AggregateId = "C-4", TransitionId = "tick", Actor = Replenishment, Evidence = Evidence.Parse("{}"), ExpectedVersion = read.Version });

        result.IsExecuted.Should().BeTrue(result.Message);
        result.Record!.Sequence.Should().Be(read.Version + 1);
    }

    [Fact]
    public async Task EndedLoop_IsNotKept_ARequestOnItReadsTheStore()
    {
        var store = new CountingStore(new InMemoryLoopStore());
        var engine = Engine(store);
        await engine.StartAsync(new StartLoopRequest { LoopId = "test.counter", AggregateId = "C-6", Actor = Replenishment });
        (await Tick(engine, "C-6")).IsExecuted.Should().BeTrue();
        (await Request(engine, "C-6", "finish", Replenishment)).IsExecuted.Should().BeTrue();
        store.InstanceReads.Should().Be(0);

        var kept = await Capture(() => Tick(engine, "C-6"));

        store.InstanceReads.Should().Be(1, "an ended loop takes no more transitions: it is not kept");
        kept.Should().Be(await Capture(() => Tick(Engine(store, capacity: 0), "C-6")));
    }

    [Fact]
    public async Task InMemoryStore_KeepsNoInstances_ItsReadsCostNoMore()
    {
        var registry = EngineOnStoreConformanceTests.CreateEngine(new InMemoryLoopStore()).Registry;
        var store = new InMemoryLoopStore();
        var engine = new LoopRuntime(store, registry);
        await engine.StartAsync(new StartLoopRequest { LoopId = "test.counter", AggregateId = "C-5", Actor = Replenishment });

        (await Tick(engine, "C-5")).IsExecuted.Should().BeTrue();

        typeof(LoopRuntime).GetField("_cache", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(engine).Should().BeNull();
    }

    private static LoopRuntime Engine(ILoopStore store, int capacity = 10_000)
    {
        var (_, registry, time) = EngineOnStoreConformanceTests.CreateEngine(store);
        return new LoopRuntime(store, registry, new LoopEngineOptions { InstanceCacheCapacity = capacity }, time, new SequentialLoopIdGenerator());
    }

    private static async Task<string> Capture(Func<ValueTask<TransitionResult>> request)
    {
        try
        {
            var result = await request();
            return $"{result.Outcome}: {result.Message}";
        }
        catch (Exception ex)
        {
            return $"{ex.GetType().Name}: {ex.Message}";
        }
    }

    private static ValueTask<TransitionResult> Tick(LoopRuntime engine, string aggregateId) => Request(engine, aggregateId, "tick", Replenishment);

    private static ValueTask<TransitionResult> Request(LoopRuntime engine, string aggregateId, string transitionId, Actor actor, string evidence = "{}") =>
        engine.TransitionAsync(new TransitionRequest { AggregateId = aggregateId, TransitionId = transitionId, Actor = actor, Evidence = Evidence.Parse(evidence) });

    /// <summary>Counts instance reads; not an <see cref="InMemoryLoopStore"/>, so engines over it keep instances.</summary>
    private sealed class CountingStore(ILoopStore inner) : ForwardingLoopStore(inner)
    {
        private int _reads;

        public int InstanceReads => Volatile.Read(ref _reads);

        public override ValueTask<LoopInstance?> GetInstanceAsync(string orgId, string aggregateId, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _reads);
            return base.GetInstanceAsync(orgId, aggregateId, cancellationToken);
        }
    }
}
