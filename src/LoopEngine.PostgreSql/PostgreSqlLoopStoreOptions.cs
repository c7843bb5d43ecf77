using System.Text.RegularExpressions;

namespace LoopEngine.PostgreSql;

/// <summary>Options of the <see cref="PostgreSqlLoopStore"/>.</summary>
public sealed partial class PostgreSqlLoopStoreOptions
{
    /// <summary>The rule a schema name must follow.</summary>
    public const string SchemaRule = "a schema name is 1 to 63 characters: lowercase letters, digits and underscores, not starting with a digit (^[a-z_][a-z0-9_]{0,62}$)";

    /// <summary>Gets or sets the Npgsql connection string; not used when the store is given an <c>NpgsqlDataSource</c>.</summary>
    /// <value>The default is empty.</value>
    public string ConnectionString { get; set; } = string.Empty;

    /// <summary>Gets or sets the PostgreSQL schema that holds the store's tables; created when missing.</summary>
    /// <value>The default is <c>loopengine</c>.</value>
    /// <exception cref="ArgumentException">The name does not follow <see cref="SchemaRule"/>.</exception>
    public string Schema
    {
        get;
        set => field = IsValidSchema(value)
            ? value
            : throw new ArgumentException($"Schema name '{value}' is not valid: {SchemaRule}.", nameof(value));
    } = "loopengine";

    /// <summary>Gets or sets the first interval at which a waiting event reader polls when no notification arrives; it backs off from there.</summary>
    /// <value>The default is 100 milliseconds.</value>
    public TimeSpan EventPollInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Gets or sets the longest interval between polls after back-off.</summary>
    /// <value>The default is 2 seconds.</value>
    public TimeSpan MaxEventPollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Returns whether a schema name follows <see cref="SchemaRule"/>.</summary>
    /// <param name="schema">The name.</param>
    /// <returns><see langword="true"/> when the name is valid.</returns>
    public static bool IsValidSchema(string? schema) => schema is not null && SchemaPattern().IsMatch(schema);

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex SchemaPattern();

#pragma warning disable CA2208 // The option's name is the useful name here.
    internal void Validate(bool needsConnectionString)
    {
        if (needsConnectionString && string.IsNullOrWhiteSpace(ConnectionString))
        {
            throw new ArgumentException("PostgreSqlLoopStoreOptions.ConnectionString is empty: set it to an Npgsql connection string such as 'Host=localhost;Username=app;Database=loops', or pass an NpgsqlDataSource.", nameof(ConnectionString));
        }

        if (EventPollInterval <= TimeSpan.Zero || MaxEventPollInterval < EventPollInterval || MaxEventPollInterval > TimeSpan.FromMinutes(5))
        {
            throw new ArgumentOutOfRangeException(nameof(EventPollInterval), EventPollInterval, "PostgreSqlLoopStoreOptions.EventPollInterval must be greater than zero and at most MaxEventPollInterval, itself at most five minutes.");
        }
    }
#pragma warning restore CA2208
}
