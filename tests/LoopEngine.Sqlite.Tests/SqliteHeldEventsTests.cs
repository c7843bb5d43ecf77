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
    private readonly TempDatabase _database = new();

    public void Dispose() => _database.Dispose();

    [Fact]
    public async Task EngineScript_EventsReadBackAsTheInMemoryStoreGivesThem_FromEveryPosition()
    {
        var memory = new InMemoryLoopStore();
        await using var sqlite = new SqliteLoopStore(_database.ConnectionString());
        await HeldEventsScript.RunAsync(memory);
        await HeldEventsScript.RunAsync(sqlite);

        var expected = await memory.ReadEventsAsync(0, int.MaxValue);
        var actual = await sqlite.ReadEventsAsync(0, int.MaxValue);

        expected.Select(e => e.Position).Should().Equal(Enumerable.Range(1, expected.Count).Select(p => (long)p), "positions are gapless");
        HeldEventsScript.Describe(actual).Should().Equal(HeldEventsScript.Describe(expected));
        for (var after = 0; after <= expected.Count; after++)
        {
            foreach (var max in new[] { 1, 2, 3, 7 })
            {
                HeldEventsScript.Describe(await sqlite.ReadEventsAsync(after, max)).Should().Equal(HeldEventsScript.Describe(expected.Skip(after).Take(max)), $"reading {max} after position {after}");
            }
        }

        // Most of the events are held by trace rows: the executed transitions' pairs.
        var held = _database.Scalar("SELECT COUNT(*) FROM trace_records WHERE rowid > 0 AND requested_id_high IS NOT NULL");
        held.Should().Be(HeldEventsScript.HeldPairs);
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
        await HeldEventsScript.RunAsync(memory, defaultIds: false);
        await HeldEventsScript.RunAsync(sqlite, defaultIds: false);

        var expected = await memory.ReadEventsAsync(0, int.MaxValue);
        HeldEventsScript.Describe(await sqlite.ReadEventsAsync(0, int.MaxValue)).Should().Equal(HeldEventsScript.Describe(expected));
        _database.Scalar("SELECT COUNT(*) FROM events").Should().Be(expected.Count);
        _database.Scalar("SELECT COUNT(*) FROM trace_records WHERE rowid > 0").Should().Be(0);
    }

    [Fact]
    public async Task HeldEvents_TraceRowDeletedByHand_TheirEventsGoWithItAndTheRestStillRead()
    {
        await using var sqlite = new SqliteLoopStore(_database.ConnectionString());
        await HeldEventsScript.RunAsync(sqlite);
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
        await HeldEventsScript.RunAsync(sqlite);
        var committed = await sqlite.CommitAsync(next);

        committed.IsCommitted.Should().BeTrue();
        var events = await sqlite.ReadEventsAsync(0, int.MaxValue);
        events.Select(e => e.Position).Should().Equal(Enumerable.Range(1, events.Count).Select(p => (long)p));
        events.TakeLast(next.Events.Count).Select(e => e.EventId).Should().Equal(next.Events.Select(e => e.EventId));
        committed.EventPositions.Should().Equal(events.TakeLast(next.Events.Count).Select(e => e.Position));
        _database.Scalar("SELECT COUNT(*) FROM events WHERE aggregate = 'PO-T'").Should().Be(start.Events.Count + next.Events.Count);
    }
}
