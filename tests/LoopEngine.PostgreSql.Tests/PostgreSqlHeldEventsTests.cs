using LoopEngine.Conformance.Stores;

namespace LoopEngine.PostgreSql.Tests;

/// <summary>
/// Migration 5: an executed transition's requested and executed events are held by its trace record's row, not by two
/// rows of the events table. Reads must give exactly what was committed: the same events, ids, positions and JSON as the
/// in-memory store gives for the same script, from every position.
/// </summary>
public sealed class PostgreSqlHeldEventsTests : IAsyncLifetime
{
    private readonly PostgresSchema _schema = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _schema.DisposeAsync().AsTask();

    [PostgresFact]
    public async Task EngineScript_EventsReadBackAsTheInMemoryStoreGivesThem_FromEveryPosition()
    {
        var memory = new InMemoryLoopStore();
        var store = _schema.LoopStore();
        await HeldEventsScript.RunAsync(memory);
        await HeldEventsScript.RunAsync(store);

        var expected = await memory.ReadEventsAsync(0, int.MaxValue);
        HeldEventsScript.Describe(await store.ReadEventsAsync(0, int.MaxValue)).Should().Equal(HeldEventsScript.Describe(expected));
        for (var after = 0; after <= expected.Count; after++)
        {
            foreach (var max in new[] { 1, 2, 3, 7 })
            {
                HeldEventsScript.Describe(await store.ReadEventsAsync(after, max)).Should().Equal(HeldEventsScript.Describe(expected.Skip(after).Take(max)), $"reading {max} after position {after}");
            }
        }

        (await ScalarAsync("SELECT count(*) FROM {s}.trace_records WHERE event_position IS NOT NULL")).Should().Be(HeldEventsScript.HeldPairs);
        (await ScalarAsync("SELECT count(*) FROM {s}.events")).Should().Be(expected.Count - (2 * HeldEventsScript.HeldPairs));
    }

    [PostgresFact]
    public async Task EngineScriptWithOtherIds_EventsStayInTheEventsTable_AndReadBackAsTheInMemoryStoreGivesThem()
    {
        var memory = new InMemoryLoopStore();
        var store = _schema.LoopStore();
        await HeldEventsScript.RunAsync(memory, defaultIds: false);
        await HeldEventsScript.RunAsync(store, defaultIds: false);

        var expected = await memory.ReadEventsAsync(0, int.MaxValue);
        HeldEventsScript.Describe(await store.ReadEventsAsync(0, int.MaxValue)).Should().Equal(HeldEventsScript.Describe(expected));
        (await ScalarAsync("SELECT count(*) FROM {s}.events")).Should().Be(expected.Count);
        (await ScalarAsync("SELECT count(*) FROM {s}.trace_records WHERE event_position IS NOT NULL")).Should().Be(0);
    }

    [PostgresFact]
    public async Task HeldEvents_OfARunningTransaction_AreNotReadUntilItCommits()
    {
        // The record's transaction id holds its events back like an events row's: a reader never sees a later position
        // while a lower one may still commit.
        var store = _schema.LoopStore();
        await HeldEventsScript.RunAsync(store);
        var before = await store.ReadEventsAsync(0, int.MaxValue);
        await using var dataSource = _schema.DataSource();
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var hold = connection.CreateCommand())
        {
            hold.CommandText = $"SELECT pg_current_xact_id(); UPDATE {_schema.Quoted}.checkpoints SET position = position WHERE false;";
            await hold.ExecuteNonQueryAsync();
        }

        // A commit after the running transaction took its id.
        var (engine, _, _) = EngineOnStoreConformanceTests.CreateEngine(store);
        await engine.StartAsync(new StartLoopRequest { LoopId = "test.counter", AggregateId = "C-LATE", Actor = Actor.Automation("system:late") });
        (await engine.TransitionAsync(new TransitionRequest { AggregateId = "C-LATE", TransitionId = "tick", Actor = Actor.Automation("system:late"), Evidence = Evidence.Parse("{}") })).IsExecuted.Should().BeTrue();

        (await store.ReadEventsAsync(0, int.MaxValue)).Should().HaveCount(before.Count, "an older transaction is still running");
        await transaction.RollbackAsync();
        (await store.ReadEventsAsync(0, int.MaxValue)).Should().HaveCount(before.Count + 3);
    }

    private async Task<long> ScalarAsync(string sql)
    {
        await using var dataSource = _schema.DataSource();
        await using var command = dataSource.CreateCommand(sql.Replace("{s}", _schema.Quoted, StringComparison.Ordinal));
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
