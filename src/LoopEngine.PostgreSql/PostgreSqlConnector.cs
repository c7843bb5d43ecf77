using System.Data.Common;
using LoopEngine.Stores;
using Npgsql;
using NpgsqlTypes;

namespace LoopEngine.PostgreSql;

/// <summary>
/// What the signal and learning stores share: the data source (owned or the caller's), the quoted schema, the migration
/// run once per instance before the first statement, and one-statement helpers in which every value is a parameter.
/// </summary>
internal sealed class PostgreSqlConnector : IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly bool _ownsDataSource;
    private readonly Lock _gate = new();
    private Task? _initialized;
    private int _disposed;

    public PostgreSqlConnector(NpgsqlDataSource dataSource, PostgreSqlLoopStoreOptions options, bool ownsDataSource)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        options.Validate(needsConnectionString: false);
        _dataSource = dataSource;
        _ownsDataSource = ownsDataSource;
        Schema = options.Schema;
        S = PostgreSqlMigrator.Quote(options.Schema);
    }

    /// <summary>Gets the schema name.</summary>
    public string Schema { get; }

    /// <summary>Gets the quoted schema name, for SQL text.</summary>
    public string S { get; }

    public static NpgsqlDataSource CreateDataSource(PostgreSqlLoopStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate(needsConnectionString: true);
        return CreateDataSource(options.ConnectionString!);
    }

    /// <summary>
    /// Builds the data source a store owns. Unless the connection string says otherwise, Npgsql's automatic preparation is
    /// on (<c>Max Auto Prepare=64</c>) and connections are not reset on return to the pool (<c>No Reset On Close=true</c>,
    /// which would discard the prepared statements): a transition's commit sends the same handful of statements every time,
    /// and parsing and planning them anew on each commit costs the server more CPU than executing them.
    /// </summary>
    public static NpgsqlDataSource CreateDataSource(string connectionString)
    {
        // NpgsqlConnectionStringBuilder.ContainsKey answers for every keyword it knows, so read what the caller wrote.
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString };
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!given.ContainsKey("Max Auto Prepare") && !given.ContainsKey("MaxAutoPrepare"))
        {
            builder.MaxAutoPrepare = 64;
        }

        if (!given.ContainsKey("No Reset On Close") && !given.ContainsKey("NoResetOnClose"))
        {
            // The stores leave no session state behind (transaction-local settings only; the event lock is released in the
            // same batch), and DISCARD ALL on every return to the pool would throw the prepared statements away.
            builder.NoResetOnClose = true;
        }

        return NpgsqlDataSource.Create(builder.ConnectionString);
    }

    public Task InitializeAsync(object owner, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, owner);
        lock (_gate)
        {
            _initialized ??= PostgreSqlMigrator.MigrateAsync(_dataSource, Schema);
        }

        return _initialized.WaitAsync(cancellationToken);
    }

    public async ValueTask<List<T>> QueryAsync<T>(object owner, string sql, Action<NpgsqlParameterCollection> bind, Func<DbDataReader, T> read, CancellationToken cancellationToken)
    {
        await InitializeAsync(owner, cancellationToken).ConfigureAwait(false);
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
#pragma warning disable CA2100 // The SQL is built from constants and a validated, quoted schema name; every value is a parameter.
            using var command = new NpgsqlCommand(sql, connection);
#pragma warning restore CA2100
            bind(command.Parameters);
            return await StoreRows.ReadAllAsync(await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false), read, cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask<int> ExecuteAsync(object owner, string sql, Action<NpgsqlParameterCollection> bind, CancellationToken cancellationToken)
    {
        await InitializeAsync(owner, cancellationToken).ConfigureAwait(false);
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
#pragma warning disable CA2100 // The SQL is built from constants and a validated, quoted schema name; every value is a parameter.
            using var command = new NpgsqlCommand(sql, connection);
#pragma warning restore CA2100
            bind(command.Parameters);
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (_ownsDataSource)
        {
            await _dataSource.DisposeAsync().ConfigureAwait(false);
        }
    }

    public static void Add(NpgsqlParameterCollection parameters, string name, NpgsqlDbType type, object? value) =>
        parameters.Add(new NpgsqlParameter(name, type) { Value = value ?? DBNull.Value });

    public static long Ticks(DateTimeOffset time) => time.UtcTicks;

    public static int OffsetMinutes(DateTimeOffset time) => (int)(time.Offset.Ticks / TimeSpan.TicksPerMinute);
}
