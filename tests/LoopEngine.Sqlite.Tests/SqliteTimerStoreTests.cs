using LoopEngine.Conformance.Stores;

namespace LoopEngine.Sqlite.Tests;

/// <summary>The timer store contract on SQLite, including timers applied with commits; every test on a fresh file.</summary>
public sealed class SqliteTimerStoreTests : TimerStoreConformanceTests, IAsyncLifetime
{
    private readonly TempDatabase _database = new();
    private readonly List<SqliteLoopStore> _stores = [];

    protected override ITimerStore CreateStore()
    {
        var store = new SqliteLoopStore(new SqliteLoopStoreOptions { ConnectionString = _database.ConnectionString(), Synchronous = SqliteSynchronousMode.Normal });
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

        _database.Dispose();
    }
}
