using LoopEngine.Conformance;
using LoopEngine.Conformance.Stores;

namespace LoopEngine.PostgreSql.Tests;

/// <summary>The timer store contract on PostgreSQL, including timers applied with commits; every test on a fresh random schema.</summary>
[RequiresEnvironmentVariable("LOOPENGINE_POSTGRES", "the PostgreSQL tests need an Npgsql connection string; .ci/run starts a server and sets it.")]
public sealed class PostgreSqlTimerStoreTests : TimerStoreConformanceTests, IAsyncLifetime
{
    private readonly string _schema = PostgresDatabase.NewSchema();
    private readonly List<PostgreSqlLoopStore> _stores = [];

    protected override ITimerStore CreateStore()
    {
        var store = new PostgreSqlLoopStore(new PostgreSqlLoopStoreOptions { ConnectionString = PostgresDatabase.RequireConnectionString(), Schema = _schema });
        _stores.Add(store);
        return store;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }

        await PostgresDatabase.DropSchemaAsync(_schema);
    }
}
