using LoopEngine.Conformance;
using LoopEngine.Conformance.Stores;
using Xunit.Abstractions;

namespace LoopEngine.PostgreSql.Tests;

/// <summary>
/// R3 (model-based) on PostgreSQL: 50 random sequences on distinct aggregates of one fresh random schema per test
/// (<c>LOOPENGINE_MODEL_SEQUENCES</c> overrides the count), and the kept regression sequence.
/// </summary>
[RequiresEnvironmentVariable("LOOPENGINE_POSTGRES", "the PostgreSQL tests need an Npgsql connection string; .ci/run starts a server and sets it.")]
public sealed class PostgreSqlModelBasedTests(ITestOutputHelper output) : ModelBasedConformanceTests(output), IAsyncLifetime
{
    private readonly string _schema = PostgresDatabase.NewSchema();
    private readonly List<PostgreSqlLoopStore> _stores = [];

    protected override ValueTask<ILoopStore> CreateStoreAsync()
    {
        var store = new PostgreSqlLoopStore(new PostgreSqlLoopStoreOptions { ConnectionString = PostgresDatabase.RequireConnectionString(), Schema = _schema });
        _stores.Add(store);
        return ValueTask.FromResult<ILoopStore>(store);
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
