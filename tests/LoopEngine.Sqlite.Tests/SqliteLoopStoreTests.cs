using LoopEngine.Conformance;

namespace LoopEngine.Sqlite.Tests;

public sealed class SqliteLoopStoreTests : LoopStoreConformanceTests, IAsyncLifetime
{
    private readonly TempDatabase _database = new();
    private readonly List<SqliteLoopStore> _stores = [];

    protected override ValueTask<ILoopStore> CreateStoreAsync()
    {
        var store = new SqliteLoopStore(_database.ConnectionString());
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

        _database.Dispose();
    }
}
