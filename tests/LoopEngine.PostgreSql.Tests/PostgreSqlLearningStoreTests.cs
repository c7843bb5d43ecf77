using LoopEngine.Conformance;
using LoopEngine.Conformance.Learning;
using LoopEngine.Learning;

namespace LoopEngine.PostgreSql.Tests;

/// <summary>The learning store conformance suite on PostgreSQL; every test on a fresh random schema.</summary>
[RequiresEnvironmentVariable("LOOPENGINE_POSTGRES", "the PostgreSQL tests need an Npgsql connection string; .ci/run starts a server and sets it.")]
public sealed class PostgreSqlLearningStoreTests : LearningStoreConformanceTests, IAsyncLifetime
{
    private readonly string _schema = PostgresDatabase.NewSchema();
    private readonly List<PostgreSqlLearningStore> _stores = [];

    protected override ILearningStore CreateStore()
    {
        var store = new PostgreSqlLearningStore(new PostgreSqlLoopStoreOptions { ConnectionString = PostgresDatabase.RequireConnectionString(), Schema = _schema });
        _stores.Add(store);
        return store;
    }

    protected override ILearningStore CreateStoreOnSameDatabase(ILearningStore first) => CreateStore();

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
