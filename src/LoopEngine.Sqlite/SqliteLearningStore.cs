using LoopEngine.Learning;
using LoopEngine.Stores;
using Microsoft.Data.Sqlite;
using static LoopEngine.Sqlite.SqliteValues;

namespace LoopEngine.Sqlite;

/// <summary>
/// A durable <see cref="ILearningStore"/> in the SQLite file of a <see cref="SqliteLoopStore"/> (the same file and options;
/// either may open it first, and both apply the same migrations). Outcomes are upserted by (org, aggregate id). An
/// estimate is written by one statement that checks its version: an <c>INSERT … ON CONFLICT DO NOTHING</c> when it must
/// not exist yet, else an <c>UPDATE … WHERE version = @expected</c>, so there is no window between the check and the
/// write and concurrent updaters (threads or processes) never lose an observation. Thread-safe.
/// </summary>
public sealed class SqliteLearningStore : ILearningStore
{
    private const string EstimateColumns =
        "org, key, estimator, value, unit, count, version, updated_at, updated_offset, last_aggregate, window_values";

    private const string UpsertOutcome =
        $"INSERT INTO learning_outcomes ({StoreRows.OutcomeColumns}) VALUES (@org, @aggregate, @loop_id, @definition_version, @correlation_id, @outcome_id, " +
        "@value_unit, @status, @final_state, @opened_at, @opened_offset, @closed_at, @closed_offset, @recorded_at, @recorded_offset, @event_id, @metrics) " +
        "ON CONFLICT (org, aggregate) DO UPDATE SET loop_id = excluded.loop_id, definition_version = excluded.definition_version, " +
        "correlation_id = excluded.correlation_id, outcome_id = excluded.outcome_id, value_unit = excluded.value_unit, status = excluded.status, " +
        "final_state = excluded.final_state, opened_at = excluded.opened_at, opened_offset = excluded.opened_offset, closed_at = excluded.closed_at, " +
        "closed_offset = excluded.closed_offset, recorded_at = excluded.recorded_at, recorded_offset = excluded.recorded_offset, " +
        "event_id = excluded.event_id, metrics = excluded.metrics;";

    private const string InsertEstimate =
        $"INSERT INTO learning_estimates ({EstimateColumns}) VALUES (@org, @key, @estimator, @value, @unit, @count, @version, @updated_at, @updated_offset, @last_aggregate, @window) " +
        "ON CONFLICT (org, key) DO NOTHING;";

    private const string UpdateEstimate =
        "UPDATE learning_estimates SET estimator = @estimator, value = @value, unit = @unit, count = @count, version = @version, updated_at = @updated_at, " +
        "updated_offset = @updated_offset, last_aggregate = @last_aggregate, window_values = @window WHERE org = @org AND key = @key AND version = @expected;";

    private readonly SqliteDatabase _database;

    /// <summary>Initializes a new instance of the <see cref="SqliteLearningStore"/> class on a file, with the default options.</summary>
    /// <param name="connectionString">A Microsoft.Data.Sqlite connection string, for example <c>Data Source=loops.db</c>.</param>
    /// <exception cref="ArgumentException">The connection string names no file.</exception>
    public SqliteLearningStore(string connectionString)
        : this(new SqliteLoopStoreOptions { ConnectionString = connectionString })
    {
    }

    /// <summary>Initializes a new instance of the <see cref="SqliteLearningStore"/> class.</summary>
    /// <param name="options">The options of the file (those of its <see cref="SqliteLoopStore"/>); validated here.</param>
    /// <exception cref="ArgumentException">An option is not valid, or the connection string names no file.</exception>
    public SqliteLearningStore(SqliteLoopStoreOptions options)
    {
        _database = new SqliteDatabase(options, nameof(InMemoryLearningStore));
    }

    /// <summary>Opens the file and applies pending schema migrations. Called by the first operation if not before.</summary>
    /// <param name="cancellationToken">Cancels the wait (not the initialization).</param>
    /// <returns>A task that completes when the store is ready.</returns>
    /// <exception cref="SqliteStoreSchemaException">The file was written by a newer version of the store.</exception>
    public Task InitializeAsync(CancellationToken cancellationToken = default) => _database.InitializeAsync(cancellationToken);

    /// <inheritdoc/>
    public async ValueTask SaveOutcomeAsync(LoopOutcome outcome, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        await _database.ExecuteAsync(
            UpsertOutcome,
            p =>
            {
                p.AddWithValue("@org", outcome.OrgId);
                p.AddWithValue("@aggregate", outcome.AggregateId);
                p.AddWithValue("@loop_id", outcome.LoopId);
                p.AddWithValue("@definition_version", outcome.DefinitionVersion);
                p.AddWithValue("@correlation_id", outcome.CorrelationId);
                p.AddWithValue("@outcome_id", outcome.OutcomeId);
                p.AddWithValue("@value_unit", outcome.ValueUnit);
                p.AddWithValue("@status", (long)outcome.Status);
                p.AddWithValue("@final_state", outcome.FinalState);
                AddTime(p, "opened", outcome.OpenedAt);
                AddTime(p, "closed", outcome.ClosedAt);
                AddTime(p, "recorded", outcome.RecordedAt);
                p.AddWithValue("@event_id", outcome.EventId);
                p.AddWithValue("@metrics", StoredMetricsJson.Write(outcome.Metrics));
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask<LoopOutcome?> GetOutcomeAsync(string orgId, string aggregateId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(orgId);
        ArgumentNullException.ThrowIfNull(aggregateId);
        var outcomes = await _database.ReadListAsync(
            $"SELECT {StoreRows.OutcomeColumns} FROM learning_outcomes WHERE org = @org AND aggregate = @aggregate;",
            p =>
            {
                p.AddWithValue("@org", orgId);
                p.AddWithValue("@aggregate", aggregateId);
            },
            StoreRows.ReadOutcome,
            cancellationToken).ConfigureAwait(false);
        return outcomes.Count == 0 ? null : outcomes[0];
    }

    /// <inheritdoc/>
    public async ValueTask<Estimate?> GetEstimateAsync(string orgId, string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(orgId);
        ArgumentNullException.ThrowIfNull(key);
        var estimates = await _database.ReadListAsync(
            $"SELECT {EstimateColumns} FROM learning_estimates WHERE org = @org AND key = @key;",
            p =>
            {
                p.AddWithValue("@org", orgId);
                p.AddWithValue("@key", key);
            },
            r => new Estimate
            {
                OrgId = r.GetString(0),
                Key = r.GetString(1),
                Estimator = (EstimatorKind)r.GetInt64(2),
                Value = ReadReal(r, 3),
                Unit = r.GetString(4),
                Count = r.GetInt64(5),
                Version = r.GetInt64(6),
                UpdatedAt = ReadTime(r, 7),
                LastAggregateId = r.GetString(9),
                Window = ReadList(r.GetString(10)),
            },
            cancellationToken).ConfigureAwait(false);
        return estimates.Count == 0 ? null : estimates[0];
    }

    /// <inheritdoc/>
    public async ValueTask<bool> TrySaveEstimateAsync(Estimate estimate, long expectedVersion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(estimate);
        return await _database.ExecuteAsync(
            expectedVersion == 0 ? InsertEstimate : UpdateEstimate,
            p =>
            {
                p.AddWithValue("@org", estimate.OrgId);
                p.AddWithValue("@key", estimate.Key);
                p.AddWithValue("@estimator", (long)estimate.Estimator);
                p.AddWithValue("@value", Real(estimate.Value));
                p.AddWithValue("@unit", estimate.Unit);
                p.AddWithValue("@count", estimate.Count);
                p.AddWithValue("@version", estimate.Version);
                AddTime(p, "updated", estimate.UpdatedAt);
                p.AddWithValue("@last_aggregate", estimate.LastAggregateId);
                p.AddWithValue("@window", WriteList(estimate.Window));
                if (expectedVersion != 0)
                {
                    p.AddWithValue("@expected", expectedVersion);
                }
            },
            cancellationToken).ConfigureAwait(false) == 1;
    }
}
