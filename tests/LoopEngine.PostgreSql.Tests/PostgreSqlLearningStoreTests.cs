using LoopEngine.Conformance;
using LoopEngine.Conformance.Learning;
using LoopEngine.Learning;

namespace LoopEngine.PostgreSql.Tests;

/// <summary>The learning store conformance suite on PostgreSQL; every test on a fresh random schema.</summary>
[RequiresEnvironmentVariable(PostgresDatabase.Variable, PostgresDatabase.ConformanceSkipReason)]
public sealed class PostgreSqlLearningStoreTests : LearningStoreConformanceTests, IAsyncLifetime
{
    private readonly PostgresSchema _schema = new();

    protected override ILearningStore CreateStore() => _schema.LearningStore();

    protected override ILearningStore CreateStoreOnSameDatabase(ILearningStore first) => CreateStore();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _schema.DisposeAsync().AsTask();
}
