using System.Data.Common;
using LoopEngine.Learning;
using LoopEngine.Stores;
using Npgsql;
using NpgsqlTypes;

namespace LoopEngine.PostgreSql;

/// <summary>
/// A durable <see cref="ILearningStore"/> in PostgreSQL, in the same schema as the <see cref="PostgreSqlLoopStore"/>: outcomes
/// are upserted by (org, aggregate id); an estimate is written by one statement that checks its version (an insert that
/// does nothing on conflict for version 0, an update guarded by the expected version otherwise), so concurrent updaters on
/// many hosts never lose an observation. Every value is a parameter.
/// </summary>
public sealed class PostgreSqlLearningStore : ILearningStore, IAsyncDisposable
{
    private const string OutcomeParameters =
        "@org, @aggregate, @loop_id, @definition_version, @correlation_id, @outcome_id, @value_unit, @status, @final_state, @opened_at, @opened_offset, " +
        "@closed_at, @closed_offset, @recorded_at, @recorded_offset, @event_id, @metrics";

    private const string EstimateColumns = "org, key, estimator, value, unit, count, version, updated_at, updated_offset, last_aggregate, observations";

    private readonly PostgreSqlConnector _db;
    private readonly string _s;

    /// <summary>Initializes a new instance of the <see cref="PostgreSqlLearningStore"/> class with the default options.</summary>
    /// <param name="connectionString">An Npgsql connection string.</param>
    public PostgreSqlLearningStore(string connectionString)
        : this(new PostgreSqlLoopStoreOptions { ConnectionString = connectionString })
    {
    }

    /// <summary>Initializes a new instance of the <see cref="PostgreSqlLearningStore"/> class; the store owns the data source it builds.</summary>
    /// <param name="options">The options, with a connection string and the schema shared with the loop store.</param>
    public PostgreSqlLearningStore(PostgreSqlLoopStoreOptions options)
        : this(PostgreSqlConnector.CreateDataSource(options), options, ownsDataSource: true)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="PostgreSqlLearningStore"/> class on a data source the caller owns.</summary>
    /// <param name="dataSource">The data source.</param>
    /// <param name="options">The options, or <see langword="null"/> for the defaults (the connection string is ignored).</param>
    public PostgreSqlLearningStore(NpgsqlDataSource dataSource, PostgreSqlLoopStoreOptions? options = null)
        : this(dataSource, options ?? new PostgreSqlLoopStoreOptions(), ownsDataSource: false)
    {
    }

    private PostgreSqlLearningStore(NpgsqlDataSource dataSource, PostgreSqlLoopStoreOptions options, bool ownsDataSource)
    {
        _db = new PostgreSqlConnector(dataSource, options, ownsDataSource);
        _s = _db.S;
    }

    /// <summary>Creates the schema or applies pending migrations (serialized across hosts); called by the first operation otherwise.</summary>
    /// <param name="cancellationToken">Cancels the wait (not the initialization).</param>
    /// <returns>A task that completes when the store is ready.</returns>
    /// <exception cref="PostgreSqlStoreSchemaException">The schema was written by a newer version of the store.</exception>
    public Task InitializeAsync(CancellationToken cancellationToken = default) => _db.InitializeAsync(this, cancellationToken);

    /// <inheritdoc/>
    public async ValueTask SaveOutcomeAsync(LoopOutcome outcome, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        var metrics = StoredMetricsJson.Write(outcome.Metrics);
        await _db.ExecuteAsync(this,
            $"INSERT INTO {_s}.outcomes ({StoreRows.OutcomeColumns}) VALUES ({OutcomeParameters}) ON CONFLICT (org, aggregate) DO UPDATE SET " +
            "loop_id = excluded.loop_id, definition_version = excluded.definition_version, correlation_id = excluded.correlation_id, " +
            "outcome_id = excluded.outcome_id, value_unit = excluded.value_unit, status = excluded.status, final_state = excluded.final_state, " +
            "opened_at = excluded.opened_at, opened_offset = excluded.opened_offset, closed_at = excluded.closed_at, closed_offset = excluded.closed_offset, " +
            "recorded_at = excluded.recorded_at, recorded_offset = excluded.recorded_offset, event_id = excluded.event_id, metrics = excluded.metrics;",
            p =>
            {
                PostgreSqlConnector.Add(p, "org", NpgsqlDbType.Text, outcome.OrgId);
                PostgreSqlConnector.Add(p, "aggregate", NpgsqlDbType.Text, outcome.AggregateId);
                PostgreSqlConnector.Add(p, "loop_id", NpgsqlDbType.Text, outcome.LoopId);
                PostgreSqlConnector.Add(p, "definition_version", NpgsqlDbType.Text, outcome.DefinitionVersion);
                PostgreSqlConnector.Add(p, "correlation_id", NpgsqlDbType.Text, outcome.CorrelationId);
                PostgreSqlConnector.Add(p, "outcome_id", NpgsqlDbType.Text, outcome.OutcomeId);
                PostgreSqlConnector.Add(p, "value_unit", NpgsqlDbType.Text, outcome.ValueUnit);
                PostgreSqlConnector.Add(p, "status", NpgsqlDbType.Bigint, (long)outcome.Status);
                PostgreSqlConnector.Add(p, "final_state", NpgsqlDbType.Text, outcome.FinalState);
                PostgreSqlConnector.Add(p, "opened_at", NpgsqlDbType.Bigint, PostgreSqlConnector.Ticks(outcome.OpenedAt));
                PostgreSqlConnector.Add(p, "opened_offset", NpgsqlDbType.Integer, PostgreSqlConnector.OffsetMinutes(outcome.OpenedAt));
                PostgreSqlConnector.Add(p, "closed_at", NpgsqlDbType.Bigint, PostgreSqlConnector.Ticks(outcome.ClosedAt));
                PostgreSqlConnector.Add(p, "closed_offset", NpgsqlDbType.Integer, PostgreSqlConnector.OffsetMinutes(outcome.ClosedAt));
                PostgreSqlConnector.Add(p, "recorded_at", NpgsqlDbType.Bigint, PostgreSqlConnector.Ticks(outcome.RecordedAt));
                PostgreSqlConnector.Add(p, "recorded_offset", NpgsqlDbType.Integer, PostgreSqlConnector.OffsetMinutes(outcome.RecordedAt));
                PostgreSqlConnector.Add(p, "event_id", NpgsqlDbType.Text, outcome.EventId);
                PostgreSqlConnector.Add(p, "metrics", NpgsqlDbType.Jsonb, metrics);
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask<LoopOutcome?> GetOutcomeAsync(string orgId, string aggregateId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(orgId);
        ArgumentNullException.ThrowIfNull(aggregateId);
        var items = await _db.QueryAsync(this, $"SELECT {StoreRows.OutcomeColumns} FROM {_s}.outcomes WHERE org = @org AND aggregate = @aggregate;",
            p =>
            {
                PostgreSqlConnector.Add(p, "org", NpgsqlDbType.Text, orgId);
                PostgreSqlConnector.Add(p, "aggregate", NpgsqlDbType.Text, aggregateId);
            },
            StoreRows.ReadOutcome,
            cancellationToken).ConfigureAwait(false);
        return items.Count == 0 ? null : items[0];
    }

    /// <inheritdoc/>
    public async ValueTask<Estimate?> GetEstimateAsync(string orgId, string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(orgId);
        ArgumentNullException.ThrowIfNull(key);
        var items = await _db.QueryAsync(this, $"SELECT {EstimateColumns} FROM {_s}.estimates WHERE org = @org AND key = @key;",
            p =>
            {
                PostgreSqlConnector.Add(p, "org", NpgsqlDbType.Text, orgId);
                PostgreSqlConnector.Add(p, "key", NpgsqlDbType.Text, key);
            },
            ReadEstimate,
            cancellationToken).ConfigureAwait(false);
        return items.Count == 0 ? null : items[0];
    }

    /// <inheritdoc/>
    public async ValueTask<bool> TrySaveEstimateAsync(Estimate estimate, long expectedVersion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(estimate);

        // One statement either way: the row lock and the version check are the same step, so of concurrent writers that
        // read one version exactly one succeeds and the others re-read.
        var sql = expectedVersion == 0
            ? $"INSERT INTO {_s}.estimates ({EstimateColumns}) VALUES (@org, @key, @estimator, @value, @unit, @count, @version, @updated_at, @updated_offset, @last_aggregate, @observations) " +
              "ON CONFLICT (org, key) DO NOTHING;"
            : $"UPDATE {_s}.estimates SET estimator = @estimator, value = @value, unit = @unit, count = @count, version = @version, updated_at = @updated_at, " +
              "updated_offset = @updated_offset, last_aggregate = @last_aggregate, observations = @observations WHERE org = @org AND key = @key AND version = @expected;";
        var rows = await _db.ExecuteAsync(this, sql,
            p =>
            {
                PostgreSqlConnector.Add(p, "org", NpgsqlDbType.Text, estimate.OrgId);
                PostgreSqlConnector.Add(p, "key", NpgsqlDbType.Text, estimate.Key);
                PostgreSqlConnector.Add(p, "estimator", NpgsqlDbType.Integer, (int)estimate.Estimator);
                PostgreSqlConnector.Add(p, "value", NpgsqlDbType.Double, estimate.Value);
                PostgreSqlConnector.Add(p, "unit", NpgsqlDbType.Text, estimate.Unit);
                PostgreSqlConnector.Add(p, "count", NpgsqlDbType.Bigint, estimate.Count);
                PostgreSqlConnector.Add(p, "version", NpgsqlDbType.Bigint, estimate.Version);
                PostgreSqlConnector.Add(p, "updated_at", NpgsqlDbType.Bigint, PostgreSqlConnector.Ticks(estimate.UpdatedAt));
                PostgreSqlConnector.Add(p, "updated_offset", NpgsqlDbType.Integer, PostgreSqlConnector.OffsetMinutes(estimate.UpdatedAt));
                PostgreSqlConnector.Add(p, "last_aggregate", NpgsqlDbType.Text, estimate.LastAggregateId);
                PostgreSqlConnector.Add(p, "observations", NpgsqlDbType.Array | NpgsqlDbType.Double, estimate.Window.ToArray());
                if (expectedVersion != 0)
                {
                    PostgreSqlConnector.Add(p, "expected", NpgsqlDbType.Bigint, expectedVersion);
                }
            },
            cancellationToken).ConfigureAwait(false);
        return rows == 1;
    }

    /// <summary>Disposes the data source when the store built it.</summary>
    /// <returns>A task that completes when the store is closed.</returns>
    public ValueTask DisposeAsync() => _db.DisposeAsync();

    private static Estimate ReadEstimate(DbDataReader r) => new()
    {
        OrgId = r.GetString(0),
        Key = r.GetString(1),
        Estimator = (EstimatorKind)r.GetInt32(2),
        Value = r.GetDouble(3),
        Unit = r.GetString(4),
        Count = r.GetInt64(5),
        Version = r.GetInt64(6),
        UpdatedAt = StoreRows.TimeWithOffset(r.GetInt64(7), r.GetInt32(8)),
        LastAggregateId = r.GetString(9),
        Window = r.GetFieldValue<double[]>(10),
    };
}
