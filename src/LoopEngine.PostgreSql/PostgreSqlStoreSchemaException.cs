namespace LoopEngine.PostgreSql;

/// <summary>Thrown when a database schema was written by a newer version of the store than this one understands.</summary>
public sealed class PostgreSqlStoreSchemaException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="PostgreSqlStoreSchemaException"/> class.</summary>
    /// <param name="schema">The PostgreSQL schema.</param>
    /// <param name="databaseVersion">The schema version found.</param>
    /// <param name="supportedVersion">The newest schema version this store knows.</param>
    public PostgreSqlStoreSchemaException(string schema, long databaseVersion, long supportedVersion)
        : base($"The PostgreSQL schema '{schema}' has store schema version {databaseVersion}, but this version of LoopEngine.PostgreSql supports versions up to {supportedVersion}. Upgrade LoopEngine.PostgreSql on every host.")
    {
        Schema = schema;
        DatabaseVersion = databaseVersion;
        SupportedVersion = supportedVersion;
    }

    /// <summary>Gets the PostgreSQL schema.</summary>
    public string Schema { get; }

    /// <summary>Gets the schema version found.</summary>
    public long DatabaseVersion { get; }

    /// <summary>Gets the newest schema version this store knows.</summary>
    public long SupportedVersion { get; }
}
