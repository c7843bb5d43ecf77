using LoopEngine.Conformance;
using LoopEngine.Conformance.Stores;
using Xunit.Abstractions;

namespace LoopEngine.PostgreSql.Tests;

/// <summary>
/// R3 (model-based) on PostgreSQL: 50 random sequences on distinct aggregates of one fresh random schema per test
/// (<c>LOOPENGINE_MODEL_SEQUENCES</c> overrides the count), and the kept regression sequence.
/// </summary>
[RequiresEnvironmentVariable(PostgresDatabase.Variable, PostgresDatabase.ConformanceSkipReason)]
public sealed class PostgreSqlModelBasedTests(ITestOutputHelper output) : ModelBasedConformanceTests(output), IAsyncLifetime
{
    private readonly PostgresSchema _schema = new();

    protected override ValueTask<ILoopStore> CreateStoreAsync() => ValueTask.FromResult<ILoopStore>(_schema.LoopStore());

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _schema.DisposeAsync().AsTask();
}
