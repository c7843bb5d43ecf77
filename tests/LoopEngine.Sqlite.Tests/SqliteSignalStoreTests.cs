using LoopEngine.Conformance.Signals;
using LoopEngine.Signals;

namespace LoopEngine.Sqlite.Tests;

public sealed class SqliteSignalStoreTests : SignalStoreConformanceTests, IDisposable
{
    private readonly TempDatabase _database = new();

    // NORMAL keeps the concurrency tests fast; the semantics do not depend on the sync mode.
    protected override ISignalStore CreateStore() => new SqliteSignalStore(new SqliteLoopStoreOptions { ConnectionString = _database.ConnectionString(), Synchronous = SqliteSynchronousMode.Normal });

    protected override ISignalStore CreateStoreOnSameDatabase(ISignalStore first) => CreateStore();

    public void Dispose() => _database.Dispose();
}
