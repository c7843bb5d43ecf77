using LoopEngine.Conformance;

namespace LoopEngine.PostgreSql.Tests;

/// <summary>The conformance suite on PostgreSQL; every test on a fresh random schema.</summary>
[RequiresEnvironmentVariable(PostgresDatabase.Variable, PostgresDatabase.ConformanceSkipReason)]
public sealed class PostgreSqlLoopStoreTests : LoopStoreConformanceTests, IAsyncLifetime
{
    private readonly PostgresSchema _schema = new();

    protected override ValueTask<ILoopStore> CreateStoreAsync() => ValueTask.FromResult<ILoopStore>(_schema.LoopStore());

    protected override ValueTask<ILoopStore> CreateSecondStoreOnSameDatabaseAsync(ILoopStore first) => CreateStoreAsync();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _schema.DisposeAsync().AsTask();
}
