using LoopEngine.Conformance;
using LoopEngine.Conformance.Signals;
using LoopEngine.Signals;

namespace LoopEngine.PostgreSql.Tests;

/// <summary>The signal store conformance suite on PostgreSQL; every test on a fresh random schema.</summary>
[RequiresEnvironmentVariable("LOOPENGINE_POSTGRES", "the PostgreSQL tests need an Npgsql connection string; .ci/run starts a server and sets it.")]
public sealed class PostgreSqlSignalStoreTests : SignalStoreConformanceTests, IAsyncLifetime
{
    private readonly string _schema = PostgresDatabase.NewSchema();
    private readonly List<PostgreSqlSignalStore> _stores = [];

    protected override ISignalStore CreateStore()
    {
        var store = new PostgreSqlSignalStore(new PostgreSqlLoopStoreOptions { ConnectionString = PostgresDatabase.RequireConnectionString(), Schema = _schema });
        _stores.Add(store);
        return store;
    }

    protected override ISignalStore CreateStoreOnSameDatabase(ISignalStore first) => CreateStore();

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
