using System.Data.Common;
using LoopEngine.Signals;
using LoopEngine.Stores;
using Npgsql;
using NpgsqlTypes;

namespace LoopEngine.PostgreSql;

/// <summary>
/// A durable <see cref="ISignalStore"/> in PostgreSQL, in the same schema as the <see cref="PostgreSqlLoopStore"/>: signals
/// are idempotent on their id by a unique key (a replayed raw event never adds, and so never triggers, twice), a threshold
/// change and the current threshold are one row, and the open loop per subject key and named positions are upserted.
/// Every statement is one round trip; every value is a parameter.
/// </summary>
public sealed class PostgreSqlSignalStore : ISignalStore, IAsyncDisposable
{
    private const string SignalColumns =
        "id, type, org, subject_keys, subject_values, confidence, threshold, attribute_keys, attribute_values, occurred_at, occurred_offset, " +
        "detected_at, detected_offset, status, event_id, loop_id, aggregate, opened_loop, label";

    private const string ChangeColumns =
        "signal_type, threshold_before, threshold_after, precision_before, precision_after, sample_size, target_precision, changed_at, changed_offset";

    private readonly PostgreSqlConnector _db;
    private readonly string _s;

    /// <summary>Initializes a new instance of the <see cref="PostgreSqlSignalStore"/> class with the default options.</summary>
    /// <param name="connectionString">An Npgsql connection string.</param>
    public PostgreSqlSignalStore(string connectionString)
        : this(new PostgreSqlLoopStoreOptions { ConnectionString = connectionString })
    {
    }

    /// <summary>Initializes a new instance of the <see cref="PostgreSqlSignalStore"/> class; the store owns the data source it builds.</summary>
    /// <param name="options">The options, with a connection string and the schema shared with the loop store.</param>
    public PostgreSqlSignalStore(PostgreSqlLoopStoreOptions options)
        : this(PostgreSqlConnector.CreateDataSource(options), options, ownsDataSource: true)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="PostgreSqlSignalStore"/> class on a data source the caller owns.</summary>
    /// <param name="dataSource">The data source.</param>
    /// <param name="options">The options, or <see langword="null"/> for the defaults (the connection string is ignored).</param>
    public PostgreSqlSignalStore(NpgsqlDataSource dataSource, PostgreSqlLoopStoreOptions? options = null)
        : this(dataSource, options ?? new PostgreSqlLoopStoreOptions(), ownsDataSource: false)
    {
    }

    private PostgreSqlSignalStore(NpgsqlDataSource dataSource, PostgreSqlLoopStoreOptions options, bool ownsDataSource)
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
    public async ValueTask<bool> TryAddSignalAsync(Signal signal, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(signal);

        // The order is taken from the sequence once, so a signal stored labelled has its label order equal to its order.
        var rows = await _db.ExecuteAsync(this,
            $"WITH n AS (SELECT nextval('{_s}.signal_order') AS v) INSERT INTO {_s}.signals ({SignalColumns}, seq, label_seq) " +
            $"SELECT @id, @type, @org, @subject_keys, @subject_values, @confidence, @threshold, @attribute_keys, @attribute_values, @occurred_at, @occurred_offset, " +
            $"@detected_at, @detected_offset, @status, @event_id, @loop_id, @aggregate, @opened_loop, @label, n.v, CASE WHEN @label IS NULL THEN NULL ELSE n.v END FROM n " +
            "ON CONFLICT (id) DO NOTHING;",
            p => BindSignal(p, signal),
            cancellationToken).ConfigureAwait(false);
        return rows == 1;
    }

    /// <inheritdoc/>
    public async ValueTask UpdateSignalAsync(Signal signal, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(signal);

        // The label order is taken when the signal becomes labelled, kept while it stays labelled, and cleared with its label.
        var rows = await _db.ExecuteAsync(this,
            $"UPDATE {_s}.signals SET type = @type, org = @org, subject_keys = @subject_keys, subject_values = @subject_values, confidence = @confidence, " +
            "threshold = @threshold, attribute_keys = @attribute_keys, attribute_values = @attribute_values, occurred_at = @occurred_at, " +
            "occurred_offset = @occurred_offset, detected_at = @detected_at, detected_offset = @detected_offset, status = @status, event_id = @event_id, " +
            "loop_id = @loop_id, aggregate = @aggregate, opened_loop = @opened_loop, label = @label, " +
            $"label_seq = CASE WHEN @label IS NULL THEN NULL WHEN label IS NULL THEN nextval('{_s}.signal_order') ELSE label_seq END WHERE id = @id;",
            p => BindSignal(p, signal),
            cancellationToken).ConfigureAwait(false);
        if (rows == 0)
        {
            throw new KeyNotFoundException($"No signal '{signal.Id}' is stored in PostgreSQL schema '{_db.Schema}'; add it with TryAddSignalAsync first.");
        }
    }

    /// <inheritdoc/>
    public async ValueTask<Signal?> GetSignalAsync(string signalId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(signalId);
        var items = await _db.QueryAsync(this, $"SELECT {SignalColumns} FROM {_s}.signals WHERE id = @id;",
            p => PostgreSqlConnector.Add(p, "id", NpgsqlDbType.Text, signalId), ReadSignal, cancellationToken).ConfigureAwait(false);
        return items.Count == 0 ? null : items[0];
    }

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<Signal>> ListRecentSignalsAsync(int maxCount, bool includeSuppressed = false, CancellationToken cancellationToken = default)
    {
        if (maxCount <= 0)
        {
            return [];
        }

        return await _db.QueryAsync(this,
            $"SELECT {SignalColumns} FROM {_s}.signals WHERE @all OR status = @emitted ORDER BY detected_at DESC, seq DESC LIMIT @max;",
            p =>
            {
                PostgreSqlConnector.Add(p, "all", NpgsqlDbType.Boolean, includeSuppressed);
                PostgreSqlConnector.Add(p, "emitted", NpgsqlDbType.Integer, (int)SignalStatus.Emitted);
                PostgreSqlConnector.Add(p, "max", NpgsqlDbType.Integer, maxCount);
            },
            ReadSignal,
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<Signal>> ListSignalsByAggregateAsync(string orgId, string aggregateId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(orgId);
        ArgumentNullException.ThrowIfNull(aggregateId);
        return await _db.QueryAsync(this,
            $"SELECT {SignalColumns} FROM {_s}.signals WHERE org = @org AND aggregate = @aggregate ORDER BY seq;",
            p =>
            {
                PostgreSqlConnector.Add(p, "org", NpgsqlDbType.Text, orgId);
                PostgreSqlConnector.Add(p, "aggregate", NpgsqlDbType.Text, aggregateId);
            },
            ReadSignal,
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<Signal>> ListLabelledSignalsAsync(string signalType, int maxCount, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(signalType);
        if (maxCount <= 0)
        {
            return [];
        }

        var latest = await _db.QueryAsync(this,
            $"SELECT {SignalColumns} FROM {_s}.signals WHERE type = @type AND label_seq IS NOT NULL ORDER BY label_seq DESC LIMIT @max;",
            p =>
            {
                PostgreSqlConnector.Add(p, "type", NpgsqlDbType.Text, signalType);
                PostgreSqlConnector.Add(p, "max", NpgsqlDbType.Integer, maxCount);
            },
            ReadSignal,
            cancellationToken).ConfigureAwait(false);
        latest.Reverse();
        return latest;
    }

    /// <inheritdoc/>
    public async ValueTask<string?> GetOpenLoopAsync(string orgId, string subjectKey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(orgId);
        ArgumentNullException.ThrowIfNull(subjectKey);
        var items = await _db.QueryAsync(this, $"SELECT aggregate FROM {_s}.signal_open_loops WHERE org = @org AND subject_key = @key;",
            p =>
            {
                PostgreSqlConnector.Add(p, "org", NpgsqlDbType.Text, orgId);
                PostgreSqlConnector.Add(p, "key", NpgsqlDbType.Text, subjectKey);
            },
            r => r.GetString(0),
            cancellationToken).ConfigureAwait(false);
        return items.Count == 0 ? null : items[0];
    }

    /// <inheritdoc/>
    public async ValueTask SetOpenLoopAsync(string orgId, string subjectKey, string? aggregateId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(orgId);
        ArgumentNullException.ThrowIfNull(subjectKey);
        var sql = aggregateId is null
            ? $"DELETE FROM {_s}.signal_open_loops WHERE org = @org AND subject_key = @key;"
            : $"INSERT INTO {_s}.signal_open_loops (org, subject_key, aggregate) VALUES (@org, @key, @aggregate) " +
              "ON CONFLICT (org, subject_key) DO UPDATE SET aggregate = excluded.aggregate;";
        await _db.ExecuteAsync(this, sql,
            p =>
            {
                PostgreSqlConnector.Add(p, "org", NpgsqlDbType.Text, orgId);
                PostgreSqlConnector.Add(p, "key", NpgsqlDbType.Text, subjectKey);
                if (aggregateId is not null)
                {
                    PostgreSqlConnector.Add(p, "aggregate", NpgsqlDbType.Text, aggregateId);
                }
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask<double?> GetThresholdAsync(string signalType, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(signalType);

        // The current threshold is the latest change's: one row holds both, so they can never disagree.
        var items = await _db.QueryAsync(this,
            $"SELECT threshold_after FROM {_s}.signal_threshold_changes WHERE signal_type = @type ORDER BY seq DESC LIMIT 1;",
            p => PostgreSqlConnector.Add(p, "type", NpgsqlDbType.Text, signalType),
            r => r.GetDouble(0),
            cancellationToken).ConfigureAwait(false);
        return items.Count == 0 ? null : items[0];
    }

    /// <inheritdoc/>
    public async ValueTask AddThresholdChangeAsync(ThresholdChange change, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        await _db.ExecuteAsync(this,
            $"INSERT INTO {_s}.signal_threshold_changes ({ChangeColumns}) VALUES (@type, @before, @after, @precision_before, @precision_after, @sample_size, @target, @changed_at, @changed_offset);",
            p =>
            {
                PostgreSqlConnector.Add(p, "type", NpgsqlDbType.Text, change.SignalType);
                PostgreSqlConnector.Add(p, "before", NpgsqlDbType.Double, change.ThresholdBefore);
                PostgreSqlConnector.Add(p, "after", NpgsqlDbType.Double, change.ThresholdAfter);
                PostgreSqlConnector.Add(p, "precision_before", NpgsqlDbType.Double, change.PrecisionBefore);
                PostgreSqlConnector.Add(p, "precision_after", NpgsqlDbType.Double, change.PrecisionAfter);
                PostgreSqlConnector.Add(p, "sample_size", NpgsqlDbType.Integer, change.SampleSize);
                PostgreSqlConnector.Add(p, "target", NpgsqlDbType.Double, change.TargetPrecision);
                PostgreSqlConnector.Add(p, "changed_at", NpgsqlDbType.Bigint, PostgreSqlConnector.Ticks(change.ChangedAt));
                PostgreSqlConnector.Add(p, "changed_offset", NpgsqlDbType.Integer, PostgreSqlConnector.OffsetMinutes(change.ChangedAt));
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<ThresholdChange>> ListThresholdChangesAsync(string signalType, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(signalType);
        return await _db.QueryAsync(this,
            $"SELECT {ChangeColumns} FROM {_s}.signal_threshold_changes WHERE signal_type = @type ORDER BY seq;",
            p => PostgreSqlConnector.Add(p, "type", NpgsqlDbType.Text, signalType),
            r => new ThresholdChange
            {
                SignalType = r.GetString(0),
                ThresholdBefore = r.GetDouble(1),
                ThresholdAfter = r.GetDouble(2),
                PrecisionBefore = r.GetDouble(3),
                PrecisionAfter = r.GetDouble(4),
                SampleSize = r.GetInt32(5),
                TargetPrecision = r.GetDouble(6),
                ChangedAt = StoreRows.TimeWithOffset(r.GetInt64(7), r.GetInt32(8)),
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask<long?> GetPositionAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        var items = await _db.QueryAsync(this, $"SELECT position FROM {_s}.signal_positions WHERE name = @name;",
            p => PostgreSqlConnector.Add(p, "name", NpgsqlDbType.Text, name), r => r.GetInt64(0), cancellationToken).ConfigureAwait(false);
        return items.Count == 0 ? null : items[0];
    }

    /// <inheritdoc/>
    public async ValueTask SetPositionAsync(string name, long position, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        await _db.ExecuteAsync(this,
            $"INSERT INTO {_s}.signal_positions (name, position) VALUES (@name, @position) ON CONFLICT (name) DO UPDATE SET position = excluded.position;",
            p =>
            {
                PostgreSqlConnector.Add(p, "name", NpgsqlDbType.Text, name);
                PostgreSqlConnector.Add(p, "position", NpgsqlDbType.Bigint, position);
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Disposes the data source when the store built it.</summary>
    /// <returns>A task that completes when the store is closed.</returns>
    public ValueTask DisposeAsync() => _db.DisposeAsync();

    private static void BindSignal(NpgsqlParameterCollection p, Signal signal)
    {
        PostgreSqlConnector.Add(p, "id", NpgsqlDbType.Text, signal.Id);
        PostgreSqlConnector.Add(p, "type", NpgsqlDbType.Text, signal.Type);
        PostgreSqlConnector.Add(p, "org", NpgsqlDbType.Text, signal.OrgId);
        var (subjectKeys, subjectValues) = Split(signal.Subject);
        PostgreSqlConnector.Add(p, "subject_keys", NpgsqlDbType.Array | NpgsqlDbType.Text, subjectKeys);
        PostgreSqlConnector.Add(p, "subject_values", NpgsqlDbType.Array | NpgsqlDbType.Text, subjectValues);
        PostgreSqlConnector.Add(p, "confidence", NpgsqlDbType.Double, signal.Confidence);
        PostgreSqlConnector.Add(p, "threshold", NpgsqlDbType.Double, signal.Threshold);
        var (attributeKeys, attributeValues) = Split(signal.Attributes);
        PostgreSqlConnector.Add(p, "attribute_keys", NpgsqlDbType.Array | NpgsqlDbType.Text, attributeKeys);
        PostgreSqlConnector.Add(p, "attribute_values", NpgsqlDbType.Array | NpgsqlDbType.Double, attributeValues);
        PostgreSqlConnector.Add(p, "occurred_at", NpgsqlDbType.Bigint, PostgreSqlConnector.Ticks(signal.OccurredAt));
        PostgreSqlConnector.Add(p, "occurred_offset", NpgsqlDbType.Integer, PostgreSqlConnector.OffsetMinutes(signal.OccurredAt));
        PostgreSqlConnector.Add(p, "detected_at", NpgsqlDbType.Bigint, PostgreSqlConnector.Ticks(signal.DetectedAt));
        PostgreSqlConnector.Add(p, "detected_offset", NpgsqlDbType.Integer, PostgreSqlConnector.OffsetMinutes(signal.DetectedAt));
        PostgreSqlConnector.Add(p, "status", NpgsqlDbType.Integer, (int)signal.Status);
        PostgreSqlConnector.Add(p, "event_id", NpgsqlDbType.Text, signal.EventId);
        PostgreSqlConnector.Add(p, "loop_id", NpgsqlDbType.Text, signal.LoopId);
        PostgreSqlConnector.Add(p, "aggregate", NpgsqlDbType.Text, signal.AggregateId);
        PostgreSqlConnector.Add(p, "opened_loop", NpgsqlDbType.Boolean, signal.OpenedLoop);
        PostgreSqlConnector.Add(p, "label", NpgsqlDbType.Integer, signal.Label is { } label ? (int)label : null);
    }

    // One pass over the map keeps keys and values in its enumeration order (the subject text depends on it).
    private static (string[] Keys, T[] Values) Split<T>(IReadOnlyDictionary<string, T> map)
    {
        var keys = new string[map.Count];
        var values = new T[map.Count];
        var i = 0;
        foreach (var (key, value) in map)
        {
            keys[i] = key;
            values[i] = value;
            i++;
        }

        return (keys, values);
    }

    private static Signal ReadSignal(DbDataReader r)
    {
        var subjectKeys = r.GetFieldValue<string[]>(3);
        var subjectValues = r.GetFieldValue<string[]>(4);
        var subject = new Dictionary<string, string>(subjectKeys.Length, StringComparer.Ordinal);
        for (var i = 0; i < subjectKeys.Length; i++)
        {
            subject.Add(subjectKeys[i], subjectValues[i]);
        }

        var attributeKeys = r.GetFieldValue<string[]>(7);
        var attributeValues = r.GetFieldValue<double[]>(8);
        var attributes = new Dictionary<string, double>(attributeKeys.Length, StringComparer.Ordinal);
        for (var i = 0; i < attributeKeys.Length; i++)
        {
            attributes.Add(attributeKeys[i], attributeValues[i]);
        }

        return new Signal
        {
            Id = r.GetString(0),
            Type = r.GetString(1),
            OrgId = r.GetString(2),
            Subject = subject,
            Confidence = r.GetDouble(5),
            Threshold = r.GetDouble(6),
            Attributes = attributes,
            OccurredAt = StoreRows.TimeWithOffset(r.GetInt64(9), r.GetInt32(10)),
            DetectedAt = StoreRows.TimeWithOffset(r.GetInt64(11), r.GetInt32(12)),
            Status = (SignalStatus)r.GetInt32(13),
            EventId = r.GetString(14),
            LoopId = r.IsDBNull(15) ? null : r.GetString(15),
            AggregateId = r.IsDBNull(16) ? null : r.GetString(16),
            OpenedLoop = r.GetBoolean(17),
            Label = r.IsDBNull(18) ? null : (SignalLabel)r.GetInt32(18),
        };
    }
}
