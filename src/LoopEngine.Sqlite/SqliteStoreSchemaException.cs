namespace LoopEngine.Sqlite;

/// <summary>Thrown when a database file was written by a newer version of the store than this one understands.</summary>
public sealed class SqliteStoreSchemaException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="SqliteStoreSchemaException"/> class.</summary>
    /// <param name="databaseVersion">The schema version found in the file.</param>
    /// <param name="supportedVersion">The newest schema version this store knows.</param>
    public SqliteStoreSchemaException(long databaseVersion, long supportedVersion)
        : base($"The SQLite database has schema version {databaseVersion}, but this version of LoopEngine.Sqlite supports schema versions up to {supportedVersion}. Upgrade LoopEngine.Sqlite, or open a database written by this version.")
    {
        DatabaseVersion = databaseVersion;
        SupportedVersion = supportedVersion;
    }

    /// <summary>Gets the schema version found in the file.</summary>
    public long DatabaseVersion { get; }

    /// <summary>Gets the newest schema version this store knows.</summary>
    public long SupportedVersion { get; }
}
