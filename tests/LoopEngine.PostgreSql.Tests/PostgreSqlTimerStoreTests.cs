using LoopEngine.Conformance;
using LoopEngine.Conformance.Stores;

namespace LoopEngine.PostgreSql.Tests;

/// <summary>The timer store contract on PostgreSQL, including timers applied with commits; every test on a fresh random schema.</summary>
[RequiresEnvironmentVariable(PostgresDatabase.Variable, PostgresDatabase.ConformanceSkipReason)]
public sealed class PostgreSqlTimerStoreTests : TimerStoreConformanceTests, IAsyncLifetime
{
    private readonly PostgresSchema _schema = new();

    protected override ITimerStore CreateStore() => _schema.LoopStore();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _schema.DisposeAsync().AsTask();
}
