using LoopEngine.Conformance;

namespace LoopEngine.PostgreSql.Tests;

/// <summary>The conformance suite on PostgreSQL; every test on a fresh random schema.</summary>
[RequiresEnvironmentVariable("LOOPENGINE_POSTGRES", "the PostgreSQL tests need an Npgsql connection string; .ci/run starts a server and sets it.")]
public sealed class PostgreSqlLoopStoreTests : LoopStoreConformanceTests, IAsyncLifetime
{
    private readonly string _schema = PostgresDatabase.NewSchema();
    private readonly List<PostgreSqlLoopStore> _stores = [];

    protected override ValueTask<ILoopStore> CreateStoreAsync()
    {
        var store = new PostgreSqlLoopStore(new PostgreSqlLoopStoreOptions { ConnectionString = PostgresDatabase.RequireConnectionString(), Schema = _schema });
        _stores.Add(store);
        return ValueTask.FromResult<ILoopStore>(store);
    }

    protected override ValueTask<ILoopStore> CreateSecondStoreOnSameDatabaseAsync(ILoopStore first) => CreateStoreAsync();

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
