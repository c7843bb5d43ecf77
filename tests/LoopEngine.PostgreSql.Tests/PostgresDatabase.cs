using Npgsql;

namespace LoopEngine.PostgreSql.Tests;

/// <summary>The test database: LOOPENGINE_POSTGRES, and fresh random schemas dropped afterwards.</summary>
internal static class PostgresDatabase
{
    public static string? ConnectionString => Environment.GetEnvironmentVariable("LOOPENGINE_POSTGRES") is { Length: > 0 } value ? value : null;

    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

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
