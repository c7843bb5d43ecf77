using System.Text;
using Npgsql;

namespace LoopEngine.PostgreSql;

/// <summary>
/// Creates a store schema or applies its pending migrations (<see cref="PostgreSqlSchema"/>) in one transaction under a
/// transaction-scoped advisory lock, so hosts starting at once migrate once; refuses a schema written by a newer version.
/// Shared by every PostgreSQL store (loop, signal, learning) on one schema.
/// </summary>
internal static class PostgreSqlMigrator
{
    /// <summary>Returns the quoted schema name (validated by <see cref="PostgreSqlLoopStoreOptions.Schema"/>).</summary>
    public static string Quote(string schema) => "\"" + schema + "\"";

    // FNV-1a: a key that is the same in every process (string.GetHashCode is randomized per process).
    public static long StableKey(string text)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        return unchecked((long)hash);
    }

    public static async Task MigrateAsync(NpgsqlDataSource dataSource, string schema)
    {
        var s = Quote(schema);
        var connection = await dataSource.OpenConnectionAsync().ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync().ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                await ExecuteAsync(connection, "SELECT pg_advisory_xact_lock(@key);", ("@key", StableKey("loopengine.migrate." + schema))).ConfigureAwait(false);
                await ExecuteAsync(connection, $"CREATE SCHEMA IF NOT EXISTS {s}; CREATE TABLE IF NOT EXISTS {s}.schema_version (id int PRIMARY KEY CHECK (id = 1), version bigint NOT NULL);").ConfigureAwait(false);
#pragma warning disable CA2100 // The SQL is built from constants and a validated, quoted schema name; every value is a parameter.
                using var read = new NpgsqlCommand($"SELECT version FROM {s}.schema_version WHERE id = 1;", connection);
#pragma warning restore CA2100
                var current = await read.ExecuteScalarAsync().ConfigureAwait(false) is long v ? v : 0;
                if (current > PostgreSqlSchema.LatestVersion)
                {
                    throw new PostgreSqlStoreSchemaException(schema, current, PostgreSqlSchema.LatestVersion);
                }

                for (var version = current + 1; version <= PostgreSqlSchema.LatestVersion; version++)
                {
                    await ExecuteAsync(connection, PostgreSqlSchema.Migrations[version - 1].Replace("{s}", s, StringComparison.Ordinal)).ConfigureAwait(false);
                    await ExecuteAsync(connection, $"INSERT INTO {s}.schema_version (id, version) VALUES (1, @v) ON CONFLICT (id) DO UPDATE SET version = excluded.version;", ("@v", version)).ConfigureAwait(false);
                }

                await transaction.CommitAsync().ConfigureAwait(false);
            }
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
#pragma warning disable CA2100 // The SQL is built from constants and a validated, quoted schema name; every value is a parameter.
        using var command = new NpgsqlCommand(sql, connection);
#pragma warning restore CA2100
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name.TrimStart('@'), value);
        }

        await command.ExecuteNonQueryAsync().ConfigureAwait(false);
    }
}
