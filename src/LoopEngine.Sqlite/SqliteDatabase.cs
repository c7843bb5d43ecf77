using System.Globalization;
using LoopEngine.Stores;
using Microsoft.Data.Sqlite;

namespace LoopEngine.Sqlite;

/// <summary>
/// The file that the signal and learning stores share with <see cref="SqliteLoopStore"/>: the same connection string
/// (so the same connection pool), WAL, the busy timeout and synchronous mode of the options, and the same migrations.
/// Each operation takes a pooled connection; writes are single statements or <c>BEGIN IMMEDIATE</c> transactions, so
/// SQLite's write lock (with <c>busy_timeout</c>) serializes them with the loop store's writer and other processes.
/// </summary>
internal sealed class SqliteDatabase
{
    private readonly string _connectionString;
    private readonly string _pragmas;
    private readonly Lock _initGate = new();
    private Task? _initialized;

    public SqliteDatabase(SqliteLoopStoreOptions options, string inMemoryAlternative)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var builder = new SqliteConnectionStringBuilder(options.ConnectionString)
        {
            DefaultTimeout = (int)Math.Ceiling(options.BusyTimeout.TotalSeconds),
        };
        if (builder.Mode is SqliteOpenMode.Memory || string.IsNullOrEmpty(builder.DataSource) || builder.DataSource == ":memory:")
        {
            throw new ArgumentException($"The SQLite store needs a file: set 'Data Source' to a path such as 'loops.db'. Use {inMemoryAlternative} for a store in memory.", nameof(options));
        }

        _connectionString = builder.ToString();
        _pragmas = "PRAGMA busy_timeout=" + ((long)options.BusyTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + ";"
            + (options.Synchronous == SqliteSynchronousMode.Full ? "PRAGMA synchronous=FULL;" : "PRAGMA synchronous=NORMAL;");
    }

    /// <summary>Opens the file once, sets WAL and applies pending migrations; later calls await the same work.</summary>
    public Task InitializeAsync(CancellationToken cancellationToken)
    {
        lock (_initGate)
        {
            _initialized ??= Task.Run(Initialize, CancellationToken.None);
        }

        return _initialized.WaitAsync(cancellationToken);
    }

    /// <summary>Opens a pooled connection with the options' busy timeout and synchronous mode.</summary>
    public async ValueTask<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            using var command = connection.CreateCommand();
            command.CommandText = _pragmas;
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Runs one statement and returns the rows it changed.</summary>
    public async ValueTask<int> ExecuteAsync(string sql, Action<SqliteParameterCollection> bind, CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var command = Command(connection, sql, bind);
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Runs a query and reads every row.</summary>
    public async ValueTask<List<T>> ReadListAsync<T>(string sql, Action<SqliteParameterCollection> bind, Func<SqliteDataReader, T> read, CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var command = Command(connection, sql, bind);
            return await StoreRows.ReadAllAsync(await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false), read, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Creates a command on a connection (in its transaction, if any) and binds its parameters.</summary>
    public static SqliteCommand Command(SqliteConnection connection, string sql, Action<SqliteParameterCollection> bind, SqliteTransaction? transaction = null)
    {
        var command = connection.CreateCommand();
#pragma warning disable CA2100 // The SQL is a constant of the calling store; every value is a parameter.
        command.CommandText = sql;
#pragma warning restore CA2100
        command.Transaction = transaction;
        bind(command.Parameters);
        return command;
    }

    private void Initialize()
    {
        using var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using (var command = connection.CreateCommand())
        {
            // busy_timeout first: switching to WAL waits for a lock another connection may hold.
            command.CommandText = _pragmas + "PRAGMA journal_mode=WAL;";
            command.ExecuteNonQuery();
        }

        SqliteSchema.Migrate(connection);
    }
}
