using LoopEngine.Conformance.Learning;
using LoopEngine.Learning;

namespace LoopEngine.Sqlite.Tests;

public sealed class SqliteLearningStoreTests : LearningStoreConformanceTests, IDisposable
{
    private readonly TempDatabase _database = new();

    // NORMAL keeps the concurrency tests fast; the semantics do not depend on the sync mode.
    protected override ILearningStore CreateStore() => new SqliteLearningStore(new SqliteLoopStoreOptions { ConnectionString = _database.ConnectionString(), Synchronous = SqliteSynchronousMode.Normal });

    protected override ILearningStore CreateStoreOnSameDatabase(ILearningStore first) => CreateStore();

    public void Dispose() => _database.Dispose();
}
