using System.Collections.Concurrent;
using System.Data.Common;
using System.Text;
using System.Text.RegularExpressions;
using LoopEngine.Stores;
using Npgsql;
using NpgsqlTypes;

namespace LoopEngine.PostgreSql;

/// <summary>
/// A durable <see cref="ILoopStore"/> in PostgreSQL, for many hosts sharing one database. Each commit is one transaction
/// whose version checks and inserts travel in one round trip; events carry the writing transaction's id, and readers only
/// return events below the oldest running transaction (a visibility horizon), so no reader skips a lower position that
/// commits late. Waiting readers follow LISTEN/NOTIFY with a polling fallback. Timers (<see cref="ITimerStore"/>) are claimed
/// with <c>FOR UPDATE SKIP LOCKED</c>, so concurrent sweepers on many hosts never claim the same timer.
/// </summary>
public sealed partial class PostgreSqlLoopStore : ILoopStore, ITimerStore, IAsyncDisposable
{
    private const string UniqueViolation = "23505";
    private const string DivisionByZero = "22012";

    /// <summary>The shortest time between two notifications of one store while commits keep coming.</summary>
    private static readonly TimeSpan NotificationSpacing = TimeSpan.FromMilliseconds(2);

    /// <summary>The largest event count per commit whose multi-row insert text is built once and kept.</summary>
    private const int MaxCachedEventCount = 16;

    /// <summary>The application name of the store's notification transactions, which never write events.</summary>
    private const string NotifierApplicationName = "loopengine-notifier";

    private static readonly ConcurrentDictionary<string, PositionalSql> s_positional = new(StringComparer.Ordinal);

    private readonly NpgsqlDataSource _dataSource;
    private readonly bool _ownsDataSource;
    private readonly PostgreSqlLoopStoreOptions _options;
    private readonly string _s;
    private readonly string _channel;
    private readonly long _eventLockKey;
    private readonly Lock _gate = new();
    private readonly Lock _notifyGate = new();
    private readonly CancellationTokenSource _stopping = new();
    private Task? _initialized;
    private Task? _listener;
    private TaskCompletionSource _notified = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _notifyPending;
    private bool _notifying;
    private Task _notifier = Task.CompletedTask;
    private int _disposed;
    private string? _eventSequence;
    private readonly string?[] _insertEventsSql = new string?[MaxCachedEventCount + 1];

    /// <summary>Initializes a new instance of the <see cref="PostgreSqlLoopStore"/> class with the default options.</summary>
    /// <param name="connectionString">An Npgsql connection string.</param>
    public PostgreSqlLoopStore(string connectionString)
        : this(new PostgreSqlLoopStoreOptions { ConnectionString = connectionString })
    {
    }

    /// <summary>Initializes a new instance of the <see cref="PostgreSqlLoopStore"/> class; the store owns the data source it builds.</summary>
    /// <param name="options">The options, with a connection string.</param>
    public PostgreSqlLoopStore(PostgreSqlLoopStoreOptions options)
        : this(PostgreSqlConnector.CreateDataSource(Validated(options).ConnectionString!), options, ownsDataSource: true)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="PostgreSqlLoopStore"/> class on a data source the caller owns.</summary>
    /// <param name="dataSource">The data source.</param>
    /// <param name="options">The options, or <see langword="null"/> for the defaults (the connection string is ignored).</param>
    public PostgreSqlLoopStore(NpgsqlDataSource dataSource, PostgreSqlLoopStoreOptions? options = null)
        : this(dataSource, options ?? new PostgreSqlLoopStoreOptions(), ownsDataSource: false)
    {
    }

    private PostgreSqlLoopStore(NpgsqlDataSource dataSource, PostgreSqlLoopStoreOptions options, bool ownsDataSource)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        options.Validate(needsConnectionString: false);
        _dataSource = dataSource;
        _ownsDataSource = ownsDataSource;
        _options = options;
        _s = PostgreSqlMigrator.Quote(options.Schema);
        _channel = "loopengine_events_" + options.Schema;
        _eventLockKey = PostgreSqlMigrator.StableKey("loopengine.events." + options.Schema);
    }

    private static PostgreSqlLoopStoreOptions Validated(PostgreSqlLoopStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate(needsConnectionString: true);
        return options;
    }

    /// <summary>Creates the schema or applies pending migrations (serialized across hosts), and starts listening for events.</summary>
    /// <param name="cancellationToken">Cancels the wait (not the initialization).</param>
    /// <returns>A task that completes when the store is ready.</returns>
    /// <exception cref="PostgreSqlStoreSchemaException">The schema was written by a newer version of the store.</exception>
    public Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            // Checked under the lock DisposeAsync reads the migration under: a migration either started before disposal
            // (and DisposeAsync waits for it) or never starts.
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            _initialized ??= MigrateAsync();
        }

        return _initialized.WaitAsync(cancellationToken);
    }

    private async Task MigrateAsync()
    {
        await PostgreSqlMigrator.MigrateAsync(_dataSource, _options.Schema).ConfigureAwait(false);

        // The identity sequence of event positions, which a commit advances itself under the event lock (see CommitAsync).
        var connection = await _dataSource.OpenConnectionAsync().ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var command = new NpgsqlCommand("SELECT pg_get_serial_sequence($1, 'position');", connection);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _s + ".events", NpgsqlDbType = NpgsqlDbType.Text });
            _eventSequence = (string)(await command.ExecuteScalarAsync().ConfigureAwait(false))!;
        }
    }

    [GeneratedRegex("@[a-z_]+", RegexOptions.CultureInvariant)]
    private static partial Regex ParameterPattern();

    // Batches take positional parameters: rewrite @name to $n once per statement text.
    private static PositionalSql Positional(string sql) => s_positional.GetOrAdd(sql, static text =>
    {
        var names = new List<string>();
        var rewritten = ParameterPattern().Replace(text, m =>
        {
            var index = names.IndexOf(m.Value);
            if (index < 0)
            {
                names.Add(m.Value);
                index = names.Count - 1;
            }

            return "$" + (index + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        });
        var positions = new Dictionary<string, int>(names.Count, StringComparer.Ordinal);
        for (var k = 0; k < names.Count; k++)
        {
            positions[names[k]] = k;
        }

        return new PositionalSql(rewritten, [.. names], positions);
    });

    private static NpgsqlBatchCommand BatchCommand(string sql, Action<Action<string, object>> bind)
    {
        var positional = Positional(sql);
        var values = new object?[positional.Names.Length];
        var bound = 0;
        bind((name, value) =>
        {
            if (positional.Positions.TryGetValue(name, out var index))
            {
                bound += values[index] is null ? 1 : 0;
                values[index] = value ?? DBNull.Value;
            }
        });
        if (bound < values.Length)
        {
            throw new InvalidOperationException($"A store statement has {values.Length} parameters and {bound} were bound: {positional.Sql}");
        }

        var command = new NpgsqlBatchCommand(positional.Sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        return command;
    }

    /// <summary>A statement rewritten with positional parameters, the names in their order, and each name's position.</summary>
    private sealed record PositionalSql(string Sql, string[] Names, Dictionary<string, int> Positions);

    /// <inheritdoc/>
    public async ValueTask<LoopInstance?> GetInstanceAsync(string orgId, string aggregateId, CancellationToken cancellationToken = default)
    {
        // Every transition starts here: positional, typed parameters on text built once, so Npgsql neither rewrites nor
        // re-parses it, nor infers the parameters' types.
        ArgumentNullException.ThrowIfNull(orgId);
        ArgumentNullException.ThrowIfNull(aggregateId);
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var command = new NpgsqlCommand(SelectInstanceSql, connection);
            command.Parameters.Add(Text(orgId));
            command.Parameters.Add(Text(aggregateId));
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? StoreRows.ReadInstance(reader) : null;
            }
        }
    }

    // The commit's statements are keyed writes whose best plan never depends on the values: planning them anew for every
    // commit (PostgreSQL keeps custom plans when it estimates a generic one dearer) cost more server CPU than running them.
    // Transaction-local, so it changes nothing else on a pooled connection (or behind a pooler).
    private const string GenericPlansSql = "SELECT set_config('plan_cache_mode', 'force_generic_plan', true);";

    private string SelectInstanceSql => field ??= $"SELECT {StoreRows.InstanceColumns} FROM {_s}.instances WHERE org = $1 AND aggregate = $2;";

    /// <inheritdoc/>
    public async ValueTask<CommitResult> CommitAsync(StoreCommit commit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(commit);
        commit.Validate();
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        var org = commit.OrgId;
        var batchCommands = new List<NpgsqlBatchCommand>();
        var eventCount = commit.Events.Count;

        // An executed transition's requested and executed events, exactly as the engine wrote them, are held by its trace
        // record's row (its ids, position and duration beside the record) instead of two rows of the events table.
        var held = ExecutedEventPair.FindHeld(commit);
        batchCommands.Add(new NpgsqlBatchCommand(GenericPlansSql));
        if (eventCount > 0)
        {
            // The transaction's first statement takes its transaction id and its events' positions together under a short
            // lock, so position order is transaction-id order and the horizon never skips; the rows are inserted after the
            // lock is released, so concurrent commits queue on the lock only for the id and the numbers, not for the writes.
            batchCommands.Add(ReserveEventPositionsCommand(eventCount));
            if (InsertEventsCommand(commit.Events, held) is { } insertEvents)
            {
                batchCommands.Add(insertEvents);
            }
        }

        foreach (var write in commit.Instances)
        {
            batchCommands.Add(InstanceCommand(org, write));
        }

        for (var r = 0; r < commit.Records.Count; r++)
        {
            batchCommands.Add(RecordCommand(org, commit.Records[r], ExecutedEventPair.HeldBy(held, r), commit.Events));
        }

        foreach (var recommendation in commit.Recommendations)
        {
            batchCommands.Add(BatchCommand(UpsertRecommendationSql, set => StoreRows.BindRecommendation(set, org, recommendation)));
        }

        if (commit.Idempotency is { } idempotency)
        {
            batchCommands.Add(BatchCommand(InsertIdempotencySql, set => StoreRows.BindIdempotency(set, org, idempotency)));
        }

        foreach (var change in commit.Timers)
        {
            // Rolled back with the rest when a version check below fails.
            batchCommands.Add(TimerCommand(org, change));
        }

        // No explicit transaction: the batch is one implicit transaction (a single Sync), so the version checks, the inserts
        // and the commit take one round trip; any failing statement rolls the whole batch back.
        var positions = new long[eventCount];
        var connection = await OpenCommitConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var batch = new NpgsqlBatch(connection);
            foreach (var command in batchCommands)
            {
                batch.BatchCommands.Add(command);
            }

            try
            {
                var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    // The plan-cache setting's row, then the reservation's.
                    await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
                    if (eventCount > 0 && await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        // The reservation returns the last position taken; the insert gave the events the ones before it, in order.
                        var last = reader.GetInt64(0);
                        for (var k = 0; k < eventCount; k++)
                        {
                            positions[k] = last - (eventCount - 1 - k);
                        }
                    }

                    while (await reader.NextResultAsync(cancellationToken).ConfigureAwait(false))
                    {
                    }
                }
            }
            catch (PostgresException ex) when (ex.SqlState == DivisionByZero)
            {
                // A version check found another version: nothing was written.
                await ReleaseEventLockAsync(connection, eventCount > 0).ConfigureAwait(false);
                return await VersionConflictAsync(commit).ConfigureAwait(false);
            }
            catch (PostgresException ex) when (ex.SqlState == UniqueViolation)
            {
                await ReleaseEventLockAsync(connection, eventCount > 0).ConfigureAwait(false);
                return await ConflictFromConstraintAsync(commit, ex).ConfigureAwait(false);
            }
            catch
            {
                await ReleaseEventLockAsync(connection, eventCount > 0).ConfigureAwait(false);
                throw;
            }
        }

        if (eventCount > 0)
        {
            WakeLocalWaiters();
            NotifyAfterCommit();
        }

        return CommitResult.Committed(positions);
    }

    /// <summary>
    /// Opens the connection of a commit, which is always its own transaction: it never joins an ambient
    /// <see cref="System.Transactions.Transaction"/> (Npgsql enlists by default). A transaction that had already written
    /// would hold its transaction id from before the event lock, so its events' positions could follow those of a younger
    /// transaction still running, and a reader could skip them.
    /// </summary>
    private ValueTask<NpgsqlConnection> OpenCommitConnectionAsync(CancellationToken cancellationToken)
    {
        if (System.Transactions.Transaction.Current is null)
        {
            return _dataSource.OpenConnectionAsync(cancellationToken);
        }

        return OpenSuppressedAsync(cancellationToken);

        async ValueTask<NpgsqlConnection> OpenSuppressedAsync(CancellationToken token)
        {
            using var suppress = new System.Transactions.TransactionScope(System.Transactions.TransactionScopeOption.Suppress, System.Transactions.TransactionScopeAsyncFlowOption.Enabled);
            return await _dataSource.OpenConnectionAsync(token).ConfigureAwait(false);
        }
    }

    private void WakeLocalWaiters() =>
        Interlocked.Exchange(ref _notified, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>
    /// Announces committed events to other processes' listeners with <c>pg_notify</c>, in its own short transaction after the
    /// commit rather than inside it: PostgreSQL serializes notifying transactions of a database until each one's commit is
    /// flushed, which would stop concurrent commits from sharing a WAL flush. Commits that finish while a notification is
    /// being sent, or within <see cref="NotificationSpacing"/> after it, share the next one, so 32 writers send far fewer
    /// than 32 and one busy writer far fewer than one per commit (the first commit after a quiet spell notifies at once;
    /// listeners in other processes see a burst's events at most that much later). The notification is sent with
    /// <c>synchronous_commit = off</c> (it carries no data; a lost one is covered by the readers' polling) and under the
    /// application name <see cref="NotifierApplicationName"/>, which the visibility horizon ignores (a notification
    /// transaction takes a transaction id but never writes events), so the caller is not kept waiting for it and no reader
    /// is held back by it. A failure to notify never fails the commit, which is already durable.
    /// </summary>
    private void NotifyAfterCommit()
    {
        lock (_notifyGate)
        {
            _notifyPending = true;

            // After disposal nothing is started (DisposeAsync read the notifier under this lock): the commit is durable and
            // other processes' readers poll.
            if (!_notifying && Volatile.Read(ref _disposed) == 0)
            {
                _notifying = true;
                // The notifier outlives the commit that starts it: it must not carry that caller's context (an ambient
                // System.Transactions transaction would enlist its connection in the caller's transaction).
                using (ExecutionContext.SuppressFlow())
                {
                    _notifier = Task.Run(SendNotificationsAsync, CancellationToken.None);
                }
            }
        }
    }

    private async Task SendNotificationsAsync()
    {
        var first = true;
        while (true)
        {
            if (!first)
            {
                // Space the notifications of a burst: commits in the meantime share the next one, so a single busy writer
                // does not pay a second transaction per commit. Waiters in this process were woken directly.
                try
                {
                    await Task.Delay(NotificationSpacing, _stopping.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // Closing: send what is pending now.
                }
            }

            first = false;
            lock (_notifyGate)
            {
                if (!_notifyPending)
                {
                    _notifying = false;
                    return;
                }

                // Every commit that asked for a notification finished before this one starts.
                _notifyPending = false;
            }

            try
            {
                var connection = await _dataSource.OpenConnectionAsync(CancellationToken.None).ConfigureAwait(false);
                await using (connection.ConfigureAwait(false))
                {
                    using var notify = new NpgsqlCommand(
                        "SELECT set_config('application_name', $2, true), set_config('synchronous_commit', 'off', true), pg_notify($1, '');", connection);
                    notify.Parameters.Add(new NpgsqlParameter { Value = _channel });
                    notify.Parameters.Add(new NpgsqlParameter { Value = NotifierApplicationName });
                    await notify.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException or ObjectDisposedException)
            {
                // Listeners fall back to polling with back-off; the commits themselves are durable.
            }
        }
    }

    // The commit's statements, built once per store (the schema is fixed) so a commit neither formats nor hashes new SQL text.

    /// <summary>
    /// Takes the event lock, the transaction id and <c>$2</c> positions from the events' identity sequence, then releases the
    /// lock, in one statement; returns the last position taken. Each step reads the one before (the lock's row, then the
    /// id's row), so the id and every position are taken while the lock is held, and the release is evaluated after the
    /// aggregate has consumed every position. Every writer of events takes its positions under this lock, so the positions
    /// of one commit are consecutive.
    /// </summary>
    private string ReserveEventPositionsSql => field ??=
        $"WITH l AS MATERIALIZED (SELECT pg_advisory_lock($1)), x AS MATERIALIZED (SELECT pg_current_xact_id() FROM l), " +
        $"p AS MATERIALIZED (SELECT max(nextval({SequenceLiteral})) AS last FROM x, generate_series(1, $2)) " +
        "SELECT p.last, pg_advisory_unlock($1) FROM p;";

    private string SequenceLiteral => "'" + _eventSequence!.Replace("'", "''", StringComparison.Ordinal) + "'";

    private NpgsqlBatchCommand ReserveEventPositionsCommand(int count)
    {
        var command = new NpgsqlBatchCommand(ReserveEventPositionsSql);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = _eventLockKey, NpgsqlDbType = NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = count, NpgsqlDbType = NpgsqlDbType.Integer });
        return command;
    }

    private string UpsertRecommendationSql => field ??=
        $"INSERT INTO {_s}.recommendations ({StoreRows.RecommendationColumns}) VALUES ({StoreRows.RecommendationParameters}) ON CONFLICT (org, id) DO UPDATE SET {StoreRows.RecommendationUpdateSet};";

    private string InsertIdempotencySql => field ??= $"INSERT INTO {_s}.idempotency ({StoreRows.IdempotencyColumns}) VALUES ({StoreRows.IdempotencyParameters});";

    private static async Task ReleaseEventLockAsync(NpgsqlConnection connection, bool mayHoldEventLock)
    {
        if (!mayHoldEventLock)
        {
            return;
        }

        try
        {
            // The batch may have failed between taking and releasing the event lock: never return it to the pool held.
            using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock_all();", connection);
            await unlock.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
        {
            // A broken connection: the server ends the session and releases its locks.
        }
    }

    private async Task<CommitResult> ConflictFromConstraintAsync(StoreCommit commit, PostgresException ex)
    {
        switch (ex.ConstraintName)
        {
            case "pk_instances":
            {
                var aggregate = commit.Instances.FirstOrDefault(w => w.ExpectedVersion == 0 && ex.Detail?.Contains(w.Instance.AggregateId, StringComparison.Ordinal) == true)?.Instance.AggregateId
                    ?? await FirstExistingAsync(commit).ConfigureAwait(false);
                return CommitResult.Exists(aggregate, await ReadVersionAsync(commit.OrgId, aggregate).ConfigureAwait(false));
            }

            case "pk_trace_records":
            {
                // A record must extend its trace; a store never overwrites one.
                foreach (var record in commit.Records)
                {
                    var version = await ReadVersionAsync(commit.OrgId, record.AggregateId).ConfigureAwait(false);
                    if (record.Sequence <= version)
                    {
                        return CommitResult.Conflict(record.AggregateId, version);
                    }
                }

                var first = commit.Records[0].AggregateId;
                return CommitResult.Conflict(first, await ReadVersionAsync(commit.OrgId, first).ConfigureAwait(false));
            }

            case "pk_idempotency":
                return CommitResult.KeyExists(commit.Idempotency!.AggregateId);

            default:
                throw ex;
        }
    }

    private async Task<CommitResult> VersionConflictAsync(StoreCommit commit)
    {
        foreach (var write in commit.Instances.Where(w => w.ExpectedVersion != 0))
        {
            var version = await ReadVersionAsync(commit.OrgId, write.Instance.AggregateId).ConfigureAwait(false);
            if (version != write.ExpectedVersion)
            {
                return CommitResult.Conflict(write.Instance.AggregateId, version);
            }
        }

        // Every version matched, so a pending recommendation count differed (it changes without a new version): report the
        // first checked instance at its version.
        var first = commit.Instances.First(w => w.ExpectedVersion != 0).Instance.AggregateId;
        return CommitResult.Conflict(first, await ReadVersionAsync(commit.OrgId, first).ConfigureAwait(false));
    }

    private async Task<string> FirstExistingAsync(StoreCommit commit)
    {
        foreach (var write in commit.Instances.Where(w => w.ExpectedVersion == 0))
        {
            if (await ReadVersionAsync(commit.OrgId, write.Instance.AggregateId).ConfigureAwait(false) > 0)
            {
                return write.Instance.AggregateId;
            }
        }

        return commit.Instances[0].Instance.AggregateId;
    }

    private async Task<long> ReadVersionAsync(string org, string aggregate)
    {
        var items = await ReadListAsync($"SELECT version FROM {_s}.instances WHERE org = @org AND aggregate = @aggregate;", [("@org", org), ("@aggregate", aggregate)], r => r.GetInt64(0), CancellationToken.None).ConfigureAwait(false);
        return items.Count == 0 ? 0 : items[0];
    }

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<TransitionRecord>> ReadTraceAsync(string orgId, string aggregateId, long fromSequence = 1, int maxCount = int.MaxValue, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxCount);
        return await ReadListAsync(
            $"SELECT {StoreRows.RecordColumns} FROM {_s}.trace_records WHERE org = @org AND aggregate = @aggregate AND sequence >= @from ORDER BY sequence LIMIT @max;",
            [("@org", orgId), ("@aggregate", aggregateId), ("@from", fromSequence), ("@max", (long)maxCount)],
            StoreRows.ReadRecord,
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask<Page<LoopInstance>> QueryInstancesAsync(InstanceQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        PageTokens.ValidatePageSize(query.PageSize);
        var parameters = new List<(string Name, object Value)>();
        var where = StoreRows.InstanceFilter(query, parameters, "= ANY({0})");
        parameters.Add(("@limit", query.PageSize + 1L));
        var items = await ReadListAsync($"SELECT {StoreRows.InstanceColumns} FROM {_s}.instances WHERE {where} ORDER BY opened_at, aggregate LIMIT @limit;", parameters, StoreRows.ReadInstance, cancellationToken).ConfigureAwait(false);
        return PageTokens.ToPage(items, query.PageSize, i => PageTokens.Encode(i.OpenedAt, i.AggregateId));
    }

    /// <inheritdoc/>
    public async ValueTask<Page<Recommendation>> QueryRecommendationsAsync(RecommendationQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        PageTokens.ValidatePageSize(query.PageSize);
        var parameters = new List<(string Name, object Value)>();
        var where = StoreRows.RecommendationFilter(query, parameters, "= ANY({0})");
        parameters.Add(("@limit", query.PageSize + 1L));
        var items = await ReadListAsync($"SELECT {StoreRows.RecommendationColumns} FROM {_s}.recommendations WHERE {where} ORDER BY created_at, id LIMIT @limit;", parameters, StoreRows.ReadRecommendation, cancellationToken).ConfigureAwait(false);
        return PageTokens.ToPage(items, query.PageSize, r => PageTokens.Encode(r.CreatedAt, r.Id));
    }


    /// <summary>
    /// The oldest transaction id that may still commit events into this database: the oldest id running in this
    /// statement's snapshot, ignoring only transactions that <c>pg_stat_activity</c> shows belong to another database of the
    /// cluster or to a store's notification transaction (<see cref="NotifierApplicationName"/>, which writes no events), their
    /// 32-bit ids widened with the snapshot's epoch. A transaction that ended between the snapshot and the
    /// activity read, or whose database this role may not see, still counts: the horizon errs on holding back, never on
    /// skipping. Without the filter, any write transaction anywhere in the cluster would delay every reader here.
    /// </summary>
    private const string VisibilityHorizon = $"""
        WITH snap AS MATERIALIZED (SELECT pg_current_snapshot() AS s),
        xmax AS (SELECT pg_snapshot_xmax(s)::text::bigint AS v FROM snap),
        other AS (
            SELECT CASE WHEN o.f > (SELECT v FROM xmax) THEN o.f - 4294967296 ELSE o.f END AS x
            FROM (SELECT (((SELECT v FROM xmax) >> 32) << 32) | a.backend_xid::text::bigint AS f
                  FROM pg_stat_activity a
                  WHERE a.backend_xid IS NOT NULL
                    AND (a.datid <> (SELECT oid FROM pg_database WHERE datname = current_database()) OR a.application_name = '{NotifierApplicationName}')) o)
        SELECT coalesce(
            (SELECT min(x::text::bigint) FROM snap, pg_snapshot_xip(snap.s) AS x WHERE x::text::bigint NOT IN (SELECT x FROM other)),
            (SELECT v FROM xmax))::text::xid8
        """;

    /// <inheritdoc/>
    /// <remarks>
    /// Events come from two places, read in one statement (one snapshot): the events table, and the trace records that hold
    /// an executed transition's requested and executed events (written again from the record, as committed).
    /// </remarks>
    public async ValueTask<IReadOnlyList<LoopEvent>> ReadEventsAsync(long afterPosition, int maxCount, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(afterPosition);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxCount);

        // Only events of transactions older than every running one: a running transaction may still commit a lower position.
        var rows = await ReadListAsync(
            ReadEventsSql,
            [("@after", afterPosition), ("@max", (long)maxCount)],
            ReadEventRow,
            cancellationToken).ConfigureAwait(false);
        var table = new List<LoopEvent>(rows.Count);
        var pairs = new List<(LoopEvent Requested, LoopEvent Executed)>();
        foreach (var (single, requested, executed) in rows)
        {
            if (single is not null)
            {
                table.Add(single);
            }
            else
            {
                pairs.Add((requested!, executed!));
            }
        }

        // Each source was sorted and limited by its own subquery; the union does not promise to keep that order.
        table.Sort(static (a, b) => a.Position.CompareTo(b.Position));
        pairs.Sort(static (a, b) => a.Requested.Position.CompareTo(b.Requested.Position));
        return StoreRows.MergeHeld(table, pairs, afterPosition, maxCount);
    }

    private static readonly int EventColumnCount = StoreRows.EventColumns.Split(',').Length;

    private static (LoopEvent? Single, LoopEvent? Requested, LoopEvent? Executed) ReadEventRow(DbDataReader r)
    {
        if (!r.IsDBNull(0))
        {
            return (StoreRows.ReadEvent(r), null, null);
        }

        var (requested, executed) = StoreRows.ReadHeldPair(r, EventColumnCount);
        return (null, requested, executed);
    }

    // Polled by every waiting reader: built once per store. One row per event of the events table (its columns first, the
    // rest null) and one per trace record holding a pair (the event columns null, then the record, position, ids and
    // duration), each source in position order and limited, under one visibility horizon. A null takes the type of the
    // other branch's column (PostgreSQL resolves a union's unknown-type literals to it).
    private string ReadEventsSql => field ??=
        $"WITH h AS MATERIALIZED (SELECT ({VisibilityHorizon}) AS v) " +
        $"(SELECT {StoreRows.EventColumns}, {Nulls(HeldPairColumnCount)} " +
        $"FROM {_s}.events, h WHERE position > @after AND tx < h.v ORDER BY position LIMIT @max) " +
        "UNION ALL " +
        $"(SELECT {Nulls(EventColumnCount)}, {StoreRows.HeldPairRecordColumns}, event_position, {StoreRows.HeldPairIdColumns} " +
        $"FROM {_s}.trace_records, h WHERE event_position >= @after AND tx < h.v ORDER BY event_position LIMIT @max);";

    // A held pair's columns: the record's, the requested event's position, then the ids and the duration.
    private static readonly int HeldPairColumnCount =
        StoreRows.HeldPairRecordColumns.Split(',').Length + 1 + StoreRows.HeldPairIdColumns.Split(',').Length;

    private static string Nulls(int count) => string.Join(", ", Enumerable.Repeat("NULL", count));

    /// <inheritdoc/>
    public async ValueTask WaitForEventsAsync(long afterPosition, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        EnsureListening();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var interval = _options.EventPollInterval;
        try
        {
            while (true)
            {
                var signal = Volatile.Read(ref _notified).Task;
                if ((await ReadEventsAsync(afterPosition, 1, deadline.Token).ConfigureAwait(false)).Count > 0)
                {
                    return;
                }

                try
                {
                    await signal.WaitAsync(interval, deadline.Token).ConfigureAwait(false);
                    interval = _options.EventPollInterval;
                }
                catch (TimeoutException)
                {
                    // No notification: poll again, backing off.
                    interval = TimeSpan.FromTicks(Math.Min(interval.Ticks * 2, _options.MaxEventPollInterval.Ticks));
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The timeout passed; the caller reads again.
        }
    }

    private void EnsureListening()
    {
        lock (_gate)
        {
            if (_listener is null && Volatile.Read(ref _disposed) == 0)
            {
                // The listener outlives the wait that starts it: it must not carry that caller's context (an ambient
                // System.Transactions transaction would enlist its LISTEN connection).
                using (ExecutionContext.SuppressFlow())
                {
                    _listener = Task.Run(ListenAsync, CancellationToken.None);
                }
            }
        }
    }

    private async Task ListenAsync()
    {
        var token = _stopping.Token;
        while (!token.IsCancellationRequested)
        {
            try
            {
                var connection = await _dataSource.OpenConnectionAsync(token).ConfigureAwait(false);
                await using (connection.ConfigureAwait(false))
                {
                    connection.Notification += (_, _) => Interlocked.Exchange(ref _notified, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
                    using (var listen = new NpgsqlCommand("LISTEN \"" + _channel + "\";", connection))
                    {
                        await listen.ExecuteNonQueryAsync(token).ConfigureAwait(false);
                    }

                    // Wake waiters once: a commit may have happened before LISTEN took effect.
                    Interlocked.Exchange(ref _notified, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
                    while (true)
                    {
                        await connection.WaitAsync(token).ConfigureAwait(false);
                    }
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException)
            {
                // The waiters keep polling; try to listen again shortly.
                try
                {
                    await Task.Delay(_options.MaxEventPollInterval, token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <inheritdoc/>
    public async ValueTask<long?> GetCheckpointAsync(string subscriberName, CancellationToken cancellationToken = default)
    {
        var items = await ReadListAsync($"SELECT position FROM {_s}.checkpoints WHERE name = @name;", [("@name", subscriberName)], r => r.GetInt64(0), cancellationToken).ConfigureAwait(false);
        return items.Count == 0 ? null : items[0];
    }

    /// <inheritdoc/>
    public async ValueTask SetCheckpointAsync(string subscriberName, long position, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subscriberName);
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        await ReadListAsync($"INSERT INTO {_s}.checkpoints (name, position) VALUES (@name, @position) ON CONFLICT (name) DO UPDATE SET position = excluded.position RETURNING position;",
            [("@name", subscriberName), ("@position", position)], r => r.GetInt64(0), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask<IdempotencyEntry?> GetIdempotencyEntryAsync(string orgId, string aggregateId, string key, CancellationToken cancellationToken = default)
    {
        var items = await ReadListAsync($"SELECT {StoreRows.IdempotencyColumns} FROM {_s}.idempotency WHERE org = @org AND aggregate = @aggregate AND key = @key;",
            [("@org", orgId), ("@aggregate", aggregateId), ("@key", key)], StoreRows.ReadIdempotency, cancellationToken).ConfigureAwait(false);
        return items.Count == 0 ? null : items[0];
    }

    /// <inheritdoc/>
    public async ValueTask<Recommendation?> GetRecommendationAsync(string orgId, string recommendationId, CancellationToken cancellationToken = default)
    {
        var items = await ReadListAsync($"SELECT {StoreRows.RecommendationColumns} FROM {_s}.recommendations WHERE org = @org AND id = @id;",
            [("@org", orgId), ("@id", recommendationId)], StoreRows.ReadRecommendation, cancellationToken).ConfigureAwait(false);
        return items.Count == 0 ? null : items[0];
    }

    /// <inheritdoc/>
    public async ValueTask<long> NextSequenceValueAsync(string orgId, string sequenceName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(orgId);
        ArgumentNullException.ThrowIfNull(sequenceName);
        var items = await ReadListAsync($"INSERT INTO {_s}.sequences (org, name, next_value) VALUES (@org, @name, 2) ON CONFLICT (org, name) DO UPDATE SET next_value = {_s}.sequences.next_value + 1 RETURNING next_value - 1;",
            [("@org", orgId), ("@name", sequenceName)], r => r.GetInt64(0), cancellationToken).ConfigureAwait(false);
        return items[0];
    }

    /// <inheritdoc/>
    public async ValueTask SeedSequenceAsync(string orgId, string sequenceName, long nextValue, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(orgId);
        ArgumentNullException.ThrowIfNull(sequenceName);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(nextValue);
        await ReadListAsync($"INSERT INTO {_s}.sequences (org, name, next_value) VALUES (@org, @name, @value) ON CONFLICT (org, name) DO UPDATE SET next_value = GREATEST({_s}.sequences.next_value, excluded.next_value) RETURNING next_value;",
            [("@org", orgId), ("@name", sequenceName), ("@value", nextValue)], r => r.GetInt64(0), cancellationToken).ConfigureAwait(false);
    }

    private string TimerSql(TimerChange change) => change.Timer is not null
        ? $"INSERT INTO {_s}.timers ({StoreRows.TimerColumns}) VALUES ({StoreRows.TimerParameters}) ON CONFLICT (org, aggregate, kind, key) DO UPDATE SET {StoreRows.TimerUpsertSet} RETURNING 1;"
        : change.Kind is null
            ? $"DELETE FROM {_s}.timers WHERE org = @org AND aggregate = @aggregate RETURNING 1;"
            : $"DELETE FROM {_s}.timers WHERE org = @org AND aggregate = @aggregate AND kind = @kind RETURNING 1;";

    private static void BindTimerChange(Action<string, object> set, string orgId, TimerChange change)
    {
        if (change.Timer is { } timer)
        {
            StoreRows.BindTimer(set, orgId, timer);
            return;
        }

        set("@org", orgId);
        set("@aggregate", change.AggregateId);
        if (change.Kind is not null)
        {
            set("@kind", change.Kind);
        }
    }

    private NpgsqlBatchCommand TimerCommand(string orgId, TimerChange change) => BatchCommand(TimerSql(change), set => BindTimerChange(set, orgId, change));

    private async ValueTask<int> ApplyTimerAsync(string orgId, TimerChange change, CancellationToken cancellationToken)
    {
        var parameters = new List<(string Name, object Value)>();
        BindTimerChange((name, value) => parameters.Add((name, value)), orgId, change);
        var rows = await ReadListAsync(TimerSql(change), parameters, r => r.GetInt32(0), cancellationToken).ConfigureAwait(false);
        return rows.Count;
    }

    /// <inheritdoc/>
    public async ValueTask ScheduleAsync(LoopTimer timer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(timer);
        await ApplyTimerAsync(timer.OrgId, TimerChange.Schedule(timer), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<LoopTimer>> ClaimDueAsync(DateTimeOffset now, int maxCount, string owner, TimeSpan leaseDuration, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxCount);
        ArgumentException.ThrowIfNullOrEmpty(owner);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(leaseDuration, TimeSpan.Zero);
        var claimed = await ReadListAsync(
            $"UPDATE {_s}.timers SET lease_owner = @owner, lease_expires_at = @lease, attempts = attempts + 1 WHERE (org, aggregate, kind, key) IN " +
            $"(SELECT org, aggregate, kind, key FROM {_s}.timers WHERE due_at <= @now AND (lease_expires_at IS NULL OR lease_expires_at <= @now) " +
            $"ORDER BY {StoreRows.TimerOrder} LIMIT @max FOR UPDATE SKIP LOCKED) RETURNING {StoreRows.TimerColumns};",
            [("@owner", owner), ("@lease", StoreRows.Ticks(now + leaseDuration)), ("@now", StoreRows.Ticks(now)), ("@max", (long)maxCount)],
            StoreRows.ReadTimer,
            cancellationToken).ConfigureAwait(false);
        return StoreRows.SortTimers(claimed);
    }

    /// <inheritdoc/>
    public async ValueTask<bool> CompleteAsync(LoopTimer timer, string owner, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(timer);
        ArgumentException.ThrowIfNullOrEmpty(owner);
        var rows = await ReadListAsync(
            $"DELETE FROM {_s}.timers WHERE org = @org AND aggregate = @aggregate AND kind = @kind AND key = @key AND lease_owner = @owner RETURNING 1;",
            [("@org", timer.OrgId), ("@aggregate", timer.AggregateId), ("@kind", timer.Kind), ("@key", timer.Key), ("@owner", owner)],
            r => r.GetInt32(0),
            cancellationToken).ConfigureAwait(false);
        return rows.Count == 1;
    }

    /// <inheritdoc/>
    public ValueTask<int> CancelAsync(string orgId, string aggregateId, string? kind = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(orgId);
        return ApplyTimerAsync(orgId, TimerChange.Cancel(aggregateId, kind), cancellationToken);
    }

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<LoopTimer>> ListAsync(string orgId, string aggregateId, CancellationToken cancellationToken = default)
    {
        var timers = await ReadListAsync($"SELECT {StoreRows.TimerColumns} FROM {_s}.timers WHERE org = @org AND aggregate = @aggregate;",
            [("@org", orgId), ("@aggregate", aggregateId)], StoreRows.ReadTimer, cancellationToken).ConfigureAwait(false);
        return StoreRows.SortTimers(timers);
    }

    private async ValueTask<List<T>> ReadListAsync<T>(string sql, IEnumerable<(string Name, object Value)> parameters, Func<DbDataReader, T> read, CancellationToken cancellationToken)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
#pragma warning disable CA2100 // The SQL is built from constants and a validated, quoted schema name; every value is a parameter.
            using var command = new NpgsqlCommand(sql, connection);
#pragma warning restore CA2100
            foreach (var (name, value) in parameters)
            {
                command.Parameters.AddWithValue(name.TrimStart('@'), value);
            }

            return await StoreRows.ReadAllAsync(await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false), read, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Stops listening and, when the store built it, disposes the data source.</summary>
    /// <returns>A task that completes when the store is closed.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        Task notifier;
        lock (_notifyGate)
        {
            notifier = _notifier;
        }

        await notifier.ConfigureAwait(false);
        Task? listener, initialized;
        lock (_gate)
        {
            // EnsureListening starts no listener, and InitializeAsync no migration, once disposal began (both check under
            // this lock).
            listener = _listener;
            initialized = _initialized;
        }

        if (listener is not null)
        {
            await listener.ConfigureAwait(false);
        }

        if (initialized is not null)
        {
            // A migration in flight finishes (or fails, to its own callers) before the data source goes away.
            await initialized.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).ConfigureAwait(false);
        }

        _stopping.Dispose();
        if (_ownsDataSource)
        {
            await _dataSource.DisposeAsync().ConfigureAwait(false);
        }
    }
}
