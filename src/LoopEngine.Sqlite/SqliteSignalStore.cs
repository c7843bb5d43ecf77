using LoopEngine.Signals;
using Microsoft.Data.Sqlite;
using static LoopEngine.Sqlite.SqliteValues;

namespace LoopEngine.Sqlite;

/// <summary>
/// A durable <see cref="ISignalStore"/> in the SQLite file of a <see cref="SqliteLoopStore"/> (the same file and options;
/// either may open it first, and both apply the same migrations). Signals are idempotent on their id through the
/// table's uniqueness (<c>INSERT … ON CONFLICT DO NOTHING</c>); a threshold change and the new current threshold are
/// written in one transaction. Thread-safe; several processes may share the file.
/// </summary>
public sealed class SqliteSignalStore : ISignalStore
{
    private const string Columns =
        "id, type, org, subject, confidence, threshold, attributes, occurred_at, occurred_offset, detected_at, detected_offset, status, event_id, loop_id, aggregate, opened_loop, label";

    private const string Parameters =
        "@id, @type, @org, @subject, @confidence, @threshold, @attributes, @occurred_at, @occurred_offset, @detected_at, @detected_offset, @status, @event_id, @loop_id, @aggregate, @opened_loop, @label";

    // The labelling order is one counter across types, taken inside the writing statement (under the file's write lock).
    private const string NextLabelSeq = "(SELECT COALESCE(MAX(label_seq), 0) + 1 FROM signals)";

    private const string Insert =
        $"INSERT INTO signals ({Columns}, label_seq) VALUES ({Parameters}, CASE WHEN @label IS NULL THEN NULL ELSE {NextLabelSeq} END) ON CONFLICT (id) DO NOTHING;";

    private const string Update =
        "UPDATE signals SET type = @type, org = @org, subject = @subject, confidence = @confidence, threshold = @threshold, attributes = @attributes, " +
        "occurred_at = @occurred_at, occurred_offset = @occurred_offset, detected_at = @detected_at, detected_offset = @detected_offset, status = @status, " +
        "event_id = @event_id, loop_id = @loop_id, aggregate = @aggregate, opened_loop = @opened_loop, label = @label, " +
        $"label_seq = CASE WHEN @label IS NULL THEN NULL WHEN label IS NOT NULL THEN label_seq ELSE {NextLabelSeq} END WHERE id = @id;";

    private const string ChangeColumns =
        "type, threshold_before, threshold_after, precision_before, precision_after, sample_size, target_precision, changed_at, changed_offset";

    private readonly SqliteDatabase _database;

    /// <summary>Initializes a new instance of the <see cref="SqliteSignalStore"/> class on a file, with the default options.</summary>
    /// <param name="connectionString">A Microsoft.Data.Sqlite connection string, for example <c>Data Source=loops.db</c>.</param>
    /// <exception cref="ArgumentException">The connection string names no file.</exception>
    public SqliteSignalStore(string connectionString)
        : this(new SqliteLoopStoreOptions { ConnectionString = connectionString })
    {
    }

    /// <summary>Initializes a new instance of the <see cref="SqliteSignalStore"/> class.</summary>
    /// <param name="options">The options of the file (those of its <see cref="SqliteLoopStore"/>); validated here.</param>
    /// <exception cref="ArgumentException">An option is not valid, or the connection string names no file.</exception>
    public SqliteSignalStore(SqliteLoopStoreOptions options)
    {
        _database = new SqliteDatabase(options, nameof(InMemorySignalStore));
    }

    /// <summary>Opens the file and applies pending schema migrations. Called by the first operation if not before.</summary>
    /// <param name="cancellationToken">Cancels the wait (not the initialization).</param>
    /// <returns>A task that completes when the store is ready.</returns>
    /// <exception cref="SqliteStoreSchemaException">The file was written by a newer version of the store.</exception>
    public Task InitializeAsync(CancellationToken cancellationToken = default) => _database.InitializeAsync(cancellationToken);

    /// <inheritdoc/>
    public async ValueTask<bool> TryAddSignalAsync(Signal signal, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(signal);
        return await _database.ExecuteAsync(Insert, p => Bind(p, signal), cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <inheritdoc/>
    public async ValueTask UpdateSignalAsync(Signal signal, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(signal);
        if (await _database.ExecuteAsync(Update, p => Bind(p, signal), cancellationToken).ConfigureAwait(false) == 0)
        {
            throw new KeyNotFoundException($"No signal '{signal.Id}' is stored.");
        }
    }

    /// <inheritdoc/>
    public async ValueTask<Signal?> GetSignalAsync(string signalId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(signalId);
        var signals = await _database.ReadListAsync($"SELECT {Columns} FROM signals WHERE id = @id;", p => p.AddWithValue("@id", signalId), ReadSignal, cancellationToken).ConfigureAwait(false);
        return signals.Count == 0 ? null : signals[0];
    }

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<Signal>> ListRecentSignalsAsync(int maxCount, bool includeSuppressed = false, CancellationToken cancellationToken = default)
    {
        if (maxCount <= 0)
        {
            return [];
        }

        var sql = includeSuppressed
            ? $"SELECT {Columns} FROM signals ORDER BY detected_at DESC, seq DESC LIMIT @max;"
            : $"SELECT {Columns} FROM signals WHERE status = {(int)SignalStatus.Emitted} ORDER BY detected_at DESC, seq DESC LIMIT @max;";
        return await _database.ReadListAsync(sql, p => p.AddWithValue("@max", (long)maxCount), ReadSignal, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<Signal>> ListSignalsByAggregateAsync(string orgId, string aggregateId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(orgId);
        ArgumentNullException.ThrowIfNull(aggregateId);
        return await _database.ReadListAsync(
            $"SELECT {Columns} FROM signals WHERE org = @org AND aggregate = @aggregate ORDER BY seq;",
            p =>
            {
                p.AddWithValue("@org", orgId);
                p.AddWithValue("@aggregate", aggregateId);
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

        return await _database.ReadListAsync(
            $"SELECT {Columns} FROM (SELECT {Columns}, label_seq FROM signals WHERE type = @type AND label_seq IS NOT NULL ORDER BY label_seq DESC LIMIT @max) ORDER BY label_seq;",
            p =>
            {
                p.AddWithValue("@type", signalType);
                p.AddWithValue("@max", (long)maxCount);
            },
            ReadSignal,
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask<string?> GetOpenLoopAsync(string orgId, string subjectKey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(orgId);
        ArgumentNullException.ThrowIfNull(subjectKey);
        var ids = await _database.ReadListAsync(
            "SELECT aggregate FROM signal_open_loops WHERE org = @org AND subject_key = @key;",
            p =>
            {
                p.AddWithValue("@org", orgId);
                p.AddWithValue("@key", subjectKey);
            },
            r => r.GetString(0),
            cancellationToken).ConfigureAwait(false);
        return ids.Count == 0 ? null : ids[0];
    }

    /// <inheritdoc/>
    public async ValueTask SetOpenLoopAsync(string orgId, string subjectKey, string? aggregateId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(orgId);
        ArgumentNullException.ThrowIfNull(subjectKey);
        var sql = aggregateId is null
            ? "DELETE FROM signal_open_loops WHERE org = @org AND subject_key = @key;"
            : "INSERT INTO signal_open_loops (org, subject_key, aggregate) VALUES (@org, @key, @aggregate) ON CONFLICT (org, subject_key) DO UPDATE SET aggregate = excluded.aggregate;";
        await _database.ExecuteAsync(
            sql,
            p =>
            {
                p.AddWithValue("@org", orgId);
                p.AddWithValue("@key", subjectKey);
                if (aggregateId is not null)
                {
                    p.AddWithValue("@aggregate", aggregateId);
                }
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask<double?> GetThresholdAsync(string signalType, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(signalType);
        var values = await _database.ReadListAsync(
            "SELECT threshold FROM signal_thresholds WHERE type = @type;",
            p => p.AddWithValue("@type", signalType),
            r => ReadReal(r, 0),
            cancellationToken).ConfigureAwait(false);
        return values.Count == 0 ? null : values[0];
    }

    /// <inheritdoc/>
    public async ValueTask AddThresholdChangeAsync(ThresholdChange change, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            // BEGIN IMMEDIATE: the change and the current threshold are written together or not at all.
            var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                using (var insert = SqliteDatabase.Command(
                    connection,
                    $"INSERT INTO signal_threshold_changes ({ChangeColumns}) VALUES (@type, @before, @after, @precision_before, @precision_after, @sample_size, @target_precision, @changed_at, @changed_offset);",
                    p =>
                    {
                        p.AddWithValue("@type", change.SignalType);
                        p.AddWithValue("@before", Real(change.ThresholdBefore));
                        p.AddWithValue("@after", Real(change.ThresholdAfter));
                        p.AddWithValue("@precision_before", Real(change.PrecisionBefore));
                        p.AddWithValue("@precision_after", Real(change.PrecisionAfter));
                        p.AddWithValue("@sample_size", (long)change.SampleSize);
                        p.AddWithValue("@target_precision", Real(change.TargetPrecision));
                        AddTime(p, "changed", change.ChangedAt);
                    },
                    transaction))
                {
                    await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                using (var current = SqliteDatabase.Command(
                    connection,
                    "INSERT INTO signal_thresholds (type, threshold) VALUES (@type, @threshold) ON CONFLICT (type) DO UPDATE SET threshold = excluded.threshold;",
                    p =>
                    {
                        p.AddWithValue("@type", change.SignalType);
                        p.AddWithValue("@threshold", Real(change.ThresholdAfter));
                    },
                    transaction))
                {
                    await current.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<ThresholdChange>> ListThresholdChangesAsync(string signalType, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(signalType);
        return await _database.ReadListAsync(
            $"SELECT {ChangeColumns} FROM signal_threshold_changes WHERE type = @type ORDER BY seq;",
            p => p.AddWithValue("@type", signalType),
            r => new ThresholdChange
            {
                SignalType = r.GetString(0),
                ThresholdBefore = ReadReal(r, 1),
                ThresholdAfter = ReadReal(r, 2),
                PrecisionBefore = ReadReal(r, 3),
                PrecisionAfter = ReadReal(r, 4),
                SampleSize = checked((int)r.GetInt64(5)),
                TargetPrecision = ReadReal(r, 6),
                ChangedAt = ReadTime(r, 7),
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask<long?> GetPositionAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        var values = await _database.ReadListAsync("SELECT position FROM signal_positions WHERE name = @name;", p => p.AddWithValue("@name", name), r => r.GetInt64(0), cancellationToken).ConfigureAwait(false);
        return values.Count == 0 ? null : values[0];
    }

    /// <inheritdoc/>
    public async ValueTask SetPositionAsync(string name, long position, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        await _database.ExecuteAsync(
            "INSERT INTO signal_positions (name, position) VALUES (@name, @position) ON CONFLICT (name) DO UPDATE SET position = excluded.position;",
            p =>
            {
                p.AddWithValue("@name", name);
                p.AddWithValue("@position", position);
            },
            cancellationToken).ConfigureAwait(false);
    }

    private static void Bind(SqliteParameterCollection p, Signal s)
    {
        p.AddWithValue("@id", s.Id);
        p.AddWithValue("@type", s.Type);
        p.AddWithValue("@org", s.OrgId);
        p.AddWithValue("@subject", WriteStrings(s.Subject));
        p.AddWithValue("@confidence", Real(s.Confidence));
        p.AddWithValue("@threshold", Real(s.Threshold));
        p.AddWithValue("@attributes", WriteNumbers(s.Attributes));
        AddTime(p, "occurred", s.OccurredAt);
        AddTime(p, "detected", s.DetectedAt);
        p.AddWithValue("@status", (long)s.Status);
        p.AddWithValue("@event_id", s.EventId);
        p.AddWithValue("@loop_id", Text(s.LoopId));
        p.AddWithValue("@aggregate", Text(s.AggregateId));
        p.AddWithValue("@opened_loop", s.OpenedLoop ? 1L : 0L);
        p.AddWithValue("@label", s.Label is { } label ? (long)label : DBNull.Value);
    }

    private static Signal ReadSignal(SqliteDataReader r) => new()
    {
        Id = r.GetString(0),
        Type = r.GetString(1),
        OrgId = r.GetString(2),
        Subject = ReadStrings(r.GetString(3)),
        Confidence = ReadReal(r, 4),
        Threshold = ReadReal(r, 5),
        Attributes = ReadNumbers(r.GetString(6)),
        OccurredAt = ReadTime(r, 7),
        DetectedAt = ReadTime(r, 9),
        Status = (SignalStatus)r.GetInt64(11),
        EventId = r.GetString(12),
        LoopId = ReadText(r, 13),
        AggregateId = ReadText(r, 14),
        OpenedLoop = r.GetInt64(15) != 0,
        Label = r.IsDBNull(16) ? null : (SignalLabel)r.GetInt64(16),
    };
}
