using LoopEngine.Conformance;
using LoopEngine.Conformance.Signals;
using LoopEngine.Signals;

namespace LoopEngine.PostgreSql.Tests;

/// <summary>The signal store conformance suite on PostgreSQL; every test on a fresh random schema.</summary>
[RequiresEnvironmentVariable(PostgresDatabase.Variable, PostgresDatabase.ConformanceSkipReason)]
public sealed class PostgreSqlSignalStoreTests : SignalStoreConformanceTests, IAsyncLifetime
{
    private readonly PostgresSchema _schema = new();

    protected override ISignalStore CreateStore() => _schema.SignalStore();

    protected override ISignalStore CreateStoreOnSameDatabase(ISignalStore first) => CreateStore();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _schema.DisposeAsync().AsTask();
}
