using LoopEngine.Conformance.Stores;
using Xunit.Abstractions;

namespace LoopEngine.Sqlite.Tests;

/// <summary>The engine-level conformance suite on SQLite (FULL sync, as a host would run it), and R4 against the in-memory store.</summary>
public sealed class SqliteEngineOnStoreTests(ITestOutputHelper output) : EngineOnStoreConformanceTests(output), IAsyncLifetime
{
    private readonly TempDatabase _database = new();
    private readonly List<SqliteLoopStore> _stores = [];

    protected override ValueTask<ILoopStore> CreateStoreAsync()
    {
        var store = new SqliteLoopStore(_database.ConnectionString());
        _stores.Add(store);
        return ValueTask.FromResult<ILoopStore>(store);
    }

    [Fact]
    public async Task R4_SeededScript_GivesIdenticalTracesOnInMemoryAndSqlite()
    {
        var expected = await EngineScript.RunAsync(new InMemoryLoopStore());
        var actual = await EngineScript.RunAsync(await CreateStoreAsync());

        expected.Should().Contain(l => l.Contains("Pending", StringComparison.Ordinal), "the script makes AI recommendations");
        expected.Should().Contain(l => l.Contains("approve", StringComparison.Ordinal));
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

        _database.Dispose();
    }
}
