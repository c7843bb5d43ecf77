using LoopEngine.Conformance.Stores;
using Xunit.Abstractions;

namespace LoopEngine.Sqlite.Tests;

/// <summary>
/// R3 (model-based) on SQLite: a real temporary file (WAL, FULL sync, as a host would run it); 50 random sequences on
/// distinct aggregates of one file (<c>LOOPENGINE_MODEL_SEQUENCES</c> overrides the count), and the kept regression
/// sequence.
/// </summary>
public sealed class SqliteModelBasedTests(ITestOutputHelper output) : ModelBasedConformanceTests(output), IAsyncLifetime
{
    private readonly TempDatabase _database = new();
    private readonly List<SqliteLoopStore> _stores = [];

    protected override ValueTask<ILoopStore> CreateStoreAsync()
    {
        var store = new SqliteLoopStore(_database.ConnectionString());
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

        _database.Dispose();
    }
}
