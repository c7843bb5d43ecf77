using LoopEngine.Conformance;

namespace LoopEngine.Sqlite.Tests;

public sealed class SqliteLoopStoreTests : LoopStoreConformanceTests, IAsyncLifetime
{
    private readonly TempDatabase _database = new();
    private readonly List<SqliteLoopStore> _stores = [];

    protected override ValueTask<ILoopStore> CreateStoreAsync()
    {
        // The semantics under test do not depend on the sync mode; NORMAL keeps the hot-aggregate race (one sync per
        // winning commit) fast. FULL is covered by the crash-safety and group-commit tests.
        var store = new SqliteLoopStore(new SqliteLoopStoreOptions { ConnectionString = _database.ConnectionString(), Synchronous = SqliteSynchronousMode.Normal });
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
