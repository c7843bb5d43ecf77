using LoopEngine.Conformance;
using LoopEngine.Conformance.Stores;

namespace LoopEngine.Sqlite.Tests;

/// <summary>
/// Migration 6: an executed transition's requested and executed events are held by its trace record's row, not by two
/// rows of the events table. Reads must give exactly what was committed: the same events, ids, positions and JSON as the
/// in-memory store gives for the same script, from every position.
/// </summary>
public sealed class SqliteHeldEventsTests : IDisposable
{
    private static readonly Actor Drew = Actor.Human("drew.kim@lumebonde.co");
    private static readonly Actor Replenishment = Actor.Automation("system:replenishment");
    private static readonly Actor Claude = Actor.AiAgent("agent:commerce-gateway/claude", "claude-sonnet-4", "anthropic", 0.92);
    private readonly TempDatabase _database = new();

    public void Dispose() => _database.Dispose();

    [Fact]
    public async Task EngineScript_EventsReadBackAsTheInMemoryStoreGivesThem_FromEveryPosition()
    {
        var memory = new InMemoryLoopStore();
        await using var sqlite = new SqliteLoopStore(_database.ConnectionString());
        await RunScriptAsync(memory);
        await RunScriptAsync(sqlite);

        var expected = await memory.ReadEventsAsync(0, int.MaxValue);
        var actual = await sqlite.ReadEventsAsync(0, int.MaxValue);

        expected.Select(e => e.Position).Should().Equal(Enumerable.Range(1, expected.Count).Select(p => (long)p), "positions are gapless");
        Describe(actual).Should().Equal(Describe(expected));
        for (var after = 0; after <= expected.Count; after++)
        {
            foreach (var max in new[] { 1, 2, 3, 7 })
            {
                Describe(await sqlite.ReadEventsAsync(after, max)).Should().Equal(Describe(expected.Skip(after).Take(max)), $"reading {max} after position {after}");
            }
        }

        // Most of the events are held by trace rows: the executed transitions' pairs.
        var held = _database.Scalar("SELECT COUNT(*) FROM trace_records WHERE rowid > 0 AND requested_id_high IS NOT NULL");
        held.Should().BeGreaterThanOrEqualTo(8);
        _database.Scalar("SELECT COUNT(*) FROM events").Should().Be(expected.Count - (2 * held));
        _database.Scalar("SELECT COUNT(*) FROM trace_records WHERE rowid <= 0").Should().Be(_database.Scalar("SELECT COUNT(*) FROM trace_records") - held);

        // Waiters see the last held event as the highest position.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await sqlite.WaitForEventsAsync(expected.Count - 1, TimeSpan.FromSeconds(5), timeout.Token);
        var waited = sqlite.WaitForEventsAsync(expected.Count, TimeSpan.FromMilliseconds(200)).AsTask();
        (await Task.WhenAny(waited, Task.Delay(TimeSpan.FromSeconds(5)))).Should().Be(waited);
    }

    [Fact]
    public async Task EngineScriptWithOtherIds_EventsStayInTheEventsTable_AndReadBackAsTheInMemoryStoreGivesThem()
    {
        // Only an event exactly as the engine made it, with a default-generated id, is held by its record.
        var memory = new InMemoryLoopStore();
        await using var sqlite = new SqliteLoopStore(_database.ConnectionString());
        await RunScriptAsync(memory, defaultIds: false);
        await RunScriptAsync(sqlite, defaultIds: false);

        var expected = await memory.ReadEventsAsync(0, int.MaxValue);
        Describe(await sqlite.ReadEventsAsync(0, int.MaxValue)).Should().Equal(Describe(expected));
        _database.Scalar("SELECT COUNT(*) FROM events").Should().Be(expected.Count);
        _database.Scalar("SELECT COUNT(*) FROM trace_records WHERE rowid > 0").Should().Be(0);
    }

    [Fact]
    public async Task HeldEvents_TraceRowDeletedByHand_TheirEventsGoWithItAndTheRestStillRead()
    {
        await using var sqlite = new SqliteLoopStore(_database.ConnectionString());
        await RunScriptAsync(sqlite);
        var before = await sqlite.ReadEventsAsync(0, int.MaxValue);
        var rowid = _database.Scalar("SELECT max(rowid) FROM trace_records WHERE requested_id_high IS NOT NULL");

        _database.Scalar($"DELETE FROM trace_records WHERE rowid = {rowid}; SELECT 1;");

        var after = await sqlite.ReadEventsAsync(0, int.MaxValue);
        after.Select(e => e.Position).Should().Equal(before.Select(e => e.Position).Where(p => p != rowid && p != rowid + 1));
        (await sqlite.GetInstanceAsync("default", "C-1")).Should().NotBeNull();
    }

    [Fact]
    public async Task ForeignEvents_EventsNotMadeByTheEngine_StayInTheEventsTableInOrder()
    {
        await using var sqlite = new SqliteLoopStore(_database.ConnectionString());
        var (start, instance, record) = StoreTestData.Start("default", "PO-T");
        var (next, _, _) = StoreTestData.Next(instance, record);
        (await sqlite.CommitAsync(start)).IsCommitted.Should().BeTrue();
        await RunScriptAsync(sqlite);
        var committed = await sqlite.CommitAsync(next);

        committed.IsCommitted.Should().BeTrue();
        var events = await sqlite.ReadEventsAsync(0, int.MaxValue);
        events.Select(e => e.Position).Should().Equal(Enumerable.Range(1, events.Count).Select(p => (long)p));
        events.TakeLast(next.Events.Count).Select(e => e.EventId).Should().Equal(next.Events.Select(e => e.EventId));
        committed.EventPositions.Should().Equal(events.TakeLast(next.Events.Count).Select(e => e.Position));
        _database.Scalar("SELECT COUNT(*) FROM events WHERE aggregate = 'PO-T'").Should().Be(start.Events.Count + next.Events.Count);
    }

    private static IEnumerable<string> Describe(IEnumerable<LoopEvent> events) =>
        events.Select(e => $"{e.Position} {e.EventId} {e.Type} {e.OrgId} {e.LoopId} {e.AggregateId} {e.CorrelationId} {e.OccurredAt:O} {e.Json}");

    /// <summary>
    /// Counter ticks, a procurement flow with an AI recommendation approved by a human, a blocked request and an ended loop;
    /// ids from the default generator (seeded), as a host's engine makes them, or from a sequential one.
    /// </summary>
    private static async Task RunScriptAsync(ILoopStore store, bool defaultIds = true)
    {
        var (sequential, registry, time) = EngineOnStoreConformanceTests.CreateEngine(store);
        var engine = defaultIds ? new LoopRuntime(store, registry, null, time, new DefaultLoopIdGenerator(time, new SeededLoopRandom(42))) : sequential;
        await engine.StartAsync(new StartLoopRequest { LoopId = "test.counter", AggregateId = "C-1", Actor = Replenishment });
        for (var i = 0; i < 5; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1.2345));
            (await Request(engine, "C-1", "tick", Replenishment)).IsExecuted.Should().BeTrue();
        }

        const string po = "PO-H-1";
        await engine.StartAsync(new StartLoopRequest { LoopId = "scm.procurement", AggregateId = po, Actor = Replenishment, CorrelationId = "corr_h" });
        (await Request(engine, po, "confirm_po", Drew, """{"approved":true,"method":"3-way-match"}""")).IsExecuted.Should().BeTrue();
        (await Request(engine, po, "receive", Drew)).IsExecuted.Should().BeFalse("receive is not allowed before the receipt is scheduled");
        (await Request(engine, po, "schedule_receipt", Replenishment, """{"warehouse":"DC-East","eta":"2026-02-17"}""")).IsExecuted.Should().BeTrue();
        var pending = await Request(engine, po, "receive", Claude, """{"shipment_scan":"confirmed"}""");
        pending.IsPending.Should().BeTrue();
        time.Advance(TimeSpan.FromMinutes(20));
        (await engine.ApproveAsync(new ApprovalRequest { RecommendationId = pending.Recommendation!.Id, Approver = Drew, Evidence = Evidence.Parse("""{"approved":true}""") })).IsExecuted.Should().BeTrue();
        (await Request(engine, po, "close", Replenishment)).IsExecuted.Should().BeTrue();
        (await Request(engine, "C-1", "finish", Replenishment)).IsExecuted.Should().BeTrue();
    }

    private static ValueTask<TransitionResult> Request(LoopRuntime engine, string aggregateId, string transitionId, Actor actor, string evidence = "{}") =>
        engine.TransitionAsync(new TransitionRequest { AggregateId = aggregateId, TransitionId = transitionId, Actor = actor, Evidence = Evidence.Parse(evidence) });
}
