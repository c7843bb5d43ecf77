using Npgsql;

namespace LoopEngine.PostgreSql.Tests;

/// <summary>The test database: LOOPENGINE_POSTGRES, and fresh random schemas dropped afterwards.</summary>
internal static class PostgresDatabase
{
    /// <summary>The environment variable with the connection string.</summary>
    public const string Variable = "LOOPENGINE_POSTGRES";

    /// <summary>Why the conformance classes need <see cref="Variable"/>, for their <c>RequiresEnvironmentVariable</c> attribute.</summary>
    public const string ConformanceSkipReason = "the PostgreSQL tests need an Npgsql connection string; .ci/run starts a server and sets it.";

    public static string? ConnectionString => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value ? value : null;

    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Gets why a <see cref="PostgresFactAttribute"/> or <see cref="PostgresTheoryAttribute"/> is skipped: without the variable on a developer machine; never on CI.</summary>
    public static string? SkipReason => ConnectionString is null && !IsCi
        ? "PostgreSQL tests need LOOPENGINE_POSTGRES (an Npgsql connection string); .ci/run starts a server and sets it."
        : null;

    public static string RequireConnectionString() =>
        ConnectionString ?? throw new InvalidOperationException("LOOPENGINE_POSTGRES is not set, and CI=true requires the PostgreSQL tests to run: start PostgreSQL and set LOOPENGINE_POSTGRES (see .ci/run).");

    public static string NewSchema() => "t_" + Guid.NewGuid().ToString("N")[..20];

    public static async Task DropSchemaAsync(string schema)
    {
        if (ConnectionString is null)
        {
            return;
        }

        await using var dataSource = NpgsqlDataSource.Create(ConnectionString);
        await using var command = dataSource.CreateCommand($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE;");
        await command.ExecuteNonQueryAsync();
    }
}

/// <summary>
/// One test's fresh, randomly named schema: hands out stores and data sources on it, and on disposal disposes every one
/// of them (in the order they were handed out) and drops the schema. The stores create the schema on first use.
/// </summary>
internal sealed class PostgresSchema : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _owned = [];

    /// <summary>Gets the schema's name (unquoted).</summary>
    public string Name { get; } = PostgresDatabase.NewSchema();

    /// <summary>Gets the schema's name quoted for SQL.</summary>
    public string Quoted => "\"" + Name + "\"";

    /// <summary>Options for a store on this schema, with <paramref name="connectionString"/> or LOOPENGINE_POSTGRES.</summary>
    public PostgreSqlLoopStoreOptions Options(string? connectionString = null) =>
        new() { ConnectionString = connectionString ?? PostgresDatabase.RequireConnectionString(), Schema = Name };

    public PostgreSqlLoopStore LoopStore(string? connectionString = null) => Track(new PostgreSqlLoopStore(Options(connectionString)));

    public PostgreSqlSignalStore SignalStore() => Track(new PostgreSqlSignalStore(Options()));

    public PostgreSqlLearningStore LearningStore() => Track(new PostgreSqlLearningStore(Options()));

    /// <summary>A data source on LOOPENGINE_POSTGRES, disposed with the schema.</summary>
    public NpgsqlDataSource DataSource() => Track(NpgsqlDataSource.Create(PostgresDatabase.RequireConnectionString()));

    /// <summary>Runs <paramref name="sql"/> on a data source of its own (closed before this returns).</summary>
    public async Task ExecuteAsync(string sql)
    {
        await using var dataSource = NpgsqlDataSource.Create(PostgresDatabase.RequireConnectionString());
        await using var command = dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Disposes <paramref name="owned"/> with the schema, before it is dropped.</summary>
    public T Track<T>(T owned)
        where T : IAsyncDisposable
    {
        _owned.Add(owned);
        return owned;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var owned in _owned)
        {
            await owned.DisposeAsync();
        }

        await PostgresDatabase.DropSchemaAsync(Name);
    }
}
