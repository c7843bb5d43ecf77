namespace LoopEngine.Sqlite;

/// <summary>
/// Options of the <see cref="SqliteLoopStore"/>, and of the <see cref="SqliteSignalStore"/> and
/// <see cref="SqliteLearningStore"/> that share its file (they use the connection string, <see cref="Synchronous"/> and
/// <see cref="BusyTimeout"/>; <see cref="MaxCommitBatchSize"/> and <see cref="EventPollInterval"/> concern the loop store only).
/// </summary>
public sealed class SqliteLoopStoreOptions
{
    /// <summary>Gets or sets the Microsoft.Data.Sqlite connection string, for example <c>Data Source=loops.db</c>.</summary>
    /// <value>The default is empty, which is not valid: a file must be named.</value>
    public string ConnectionString { get; set; } = string.Empty;

    /// <summary>Gets or sets how hard SQLite works to make a commit durable.</summary>
    /// <value>The default is <see cref="SqliteSynchronousMode.Full"/>.</value>
    public SqliteSynchronousMode Synchronous { get; set; } = SqliteSynchronousMode.Full;

    /// <summary>Gets or sets how long a connection waits for another process's lock on the file before failing.</summary>
    /// <value>The default is 30 seconds.</value>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets the most pending writes that share one transaction (group commit).</summary>
    /// <value>The default is 256.</value>
    public int MaxCommitBatchSize { get; set; } = 256;

    /// <summary>Gets or sets how often a waiting event reader polls the file for commits made by other processes.</summary>
    /// <value>The default is 250 milliseconds.</value>
    public TimeSpan EventPollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            throw new ArgumentException("SqliteLoopStoreOptions.ConnectionString is empty: set it to a connection string that names a file, for example 'Data Source=loops.db'.", nameof(ConnectionString));
        }

        if (BusyTimeout <= TimeSpan.Zero || BusyTimeout > TimeSpan.FromHours(1))
        {
            throw new ArgumentOutOfRangeException(nameof(BusyTimeout), BusyTimeout, "SqliteLoopStoreOptions.BusyTimeout must be greater than zero and at most one hour.");
        }

        if (MaxCommitBatchSize is < 1 or > 10_000)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxCommitBatchSize), MaxCommitBatchSize, "SqliteLoopStoreOptions.MaxCommitBatchSize must be 1 to 10,000.");
        }

        if (EventPollInterval <= TimeSpan.Zero || EventPollInterval > TimeSpan.FromMinutes(1))
        {
            throw new ArgumentOutOfRangeException(nameof(EventPollInterval), EventPollInterval, "SqliteLoopStoreOptions.EventPollInterval must be greater than zero and at most one minute.");
        }

        if (!Enum.IsDefined(Synchronous))
        {
            throw new ArgumentOutOfRangeException(nameof(Synchronous), Synchronous, "SqliteLoopStoreOptions.Synchronous must be Full or Normal.");
        }
    }
}
