using LoopEngine.Conformance;
using LoopEngine.Conformance.Stores;
using Xunit.Abstractions;

namespace LoopEngine.PostgreSql.Tests;

/// <summary>The engine-level conformance suite on PostgreSQL, and R4 against the in-memory store; every test on a fresh random schema.</summary>
[RequiresEnvironmentVariable("LOOPENGINE_POSTGRES", "the PostgreSQL tests need an Npgsql connection string; .ci/run starts a server and sets it.")]
public sealed class PostgreSqlEngineOnStoreTests(ITestOutputHelper output) : EngineOnStoreConformanceTests(output), IAsyncLifetime
{
    private readonly string _schema = PostgresDatabase.NewSchema();
    private readonly List<PostgreSqlLoopStore> _stores = [];

    protected override ValueTask<ILoopStore> CreateStoreAsync()
    {
        var store = new PostgreSqlLoopStore(new PostgreSqlLoopStoreOptions { ConnectionString = PostgresDatabase.RequireConnectionString(), Schema = _schema });
        _stores.Add(store);
        return ValueTask.FromResult<ILoopStore>(store);
    }

    [StoreFact]
    public async Task R4_SeededScript_GivesIdenticalTracesOnInMemoryAndPostgreSql()
    {
        var expected = await EngineScript.RunAsync(new InMemoryLoopStore());
        var actual = await EngineScript.RunAsync(await CreateStoreAsync());

        expected.Should().Contain(l => l.Contains("Pending", StringComparison.Ordinal), "the script makes AI recommendations");
        expected.Count(l => l.StartsWith('{')).Should().BeGreaterThan(40);
        actual.Should().Equal(expected);
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
