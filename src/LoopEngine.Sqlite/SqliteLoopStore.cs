using System.Collections.Concurrent;
using System.Data.Common;
using System.Globalization;
using System.Threading.Channels;
using LoopEngine.Stores;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace LoopEngine.Sqlite;

/// <summary>
/// A durable <see cref="ILoopStore"/> in one SQLite file (WAL). A single writer applies pending writes in batches inside one
/// transaction (group commit, one sync per batch): first without savepoints; if a write fails after it changed rows, the
/// batch is rolled back and runs again with each write in its own savepoint. Every caller is answered only after that
/// transaction committed. The writer's statements are prepared once (<see cref="WriterStatement"/>); a transition
/// rewrites only the instance columns it can change, so the instance indexes are not touched. Readers use separate
/// connections (instance point reads: kept sessions with a prepared statement). With <see cref="SqliteSynchronousMode.Normal"/>
/// WAL checkpoints run in the background (<see cref="WalCheckpointer"/>); with <see cref="SqliteSynchronousMode.Full"/>
/// SQLite's own auto-checkpoint applies. Several processes may share one file. Timers (<see cref="ITimerStore"/>) live in the
/// same file and are claimed through the same writer.
/// </summary>
public sealed class SqliteLoopStore : ILoopStore, ITimerStore, IAsyncDisposable
{
    private const int SqliteConstraint = 19;

    // Reads run synchronously on the calling thread: keep a session for each thread that may read at once (a pool thread count under
    // load), so busy periods do not open and close connections; a session holds only the few pages of its point reads.
    private static readonly int MaxIdleReaders = Math.Max(32, Environment.ProcessorCount * 4);

    private readonly SqliteLoopStoreOptions _options;
    private readonly string _connectionString;
    private readonly Channel<WriteOp> _writes = Channel.CreateUnbounded<WriteOp>(new UnboundedChannelOptions { SingleReader = false });
    private readonly List<WriteOp> _batch = [];
    private readonly Lock _initGate = new();
    private readonly ConcurrentStack<ReaderSession> _readers = new();
    private Task? _initialized;
    private int _writing;
    private SqliteConnection? _writer;
    private WriterCommands? _commands;
    private WalCheckpointer? _checkpointer;
    private TaskCompletionSource _newEvents = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _disposed;
    private long _transactions;
    private long _batchRetries;

    /// <summary>Initializes a new instance of the <see cref="SqliteLoopStore"/> class on a file, with the default options.</summary>
    /// <param name="connectionString">A Microsoft.Data.Sqlite connection string, for example <c>Data Source=loops.db</c>.</param>
    public SqliteLoopStore(string connectionString)
        : this(new SqliteLoopStoreOptions { ConnectionString = connectionString })
    {
    }

    /// <summary>Initializes a new instance of the <see cref="SqliteLoopStore"/> class.</summary>
    /// <param name="options">The options; validated here.</param>
    /// <exception cref="ArgumentException">An option is not valid.</exception>
    public SqliteLoopStore(SqliteLoopStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        var builder = new SqliteConnectionStringBuilder(options.ConnectionString)
        {
            DefaultTimeout = (int)Math.Ceiling(options.BusyTimeout.TotalSeconds),
        };
        if (builder.Mode is SqliteOpenMode.Memory || string.IsNullOrEmpty(builder.DataSource) || builder.DataSource == ":memory:")
        {
            throw new ArgumentException("The SQLite store needs a file: set 'Data Source' to a path such as 'loops.db'. Use InMemoryLoopStore for a store in memory.", nameof(options));
        }

        _connectionString = builder.ToString();
    }

    /// <summary>Gets the number of write transactions committed so far (each may hold many writes: group commit).</summary>
    internal long TransactionCount => Interlocked.Read(ref _transactions);

    /// <summary>Gets the number of batches that ran a second time with a savepoint per write (a write failed after changing rows).</summary>
    internal long BatchRetryCount => Interlocked.Read(ref _batchRetries);

    /// <summary>Gets the WAL checkpointer of a <see cref="SqliteSynchronousMode.Normal"/> store, once initialized (for tests).</summary>
    internal WalCheckpointer? Checkpointer => _checkpointer;

    /// <summary>Opens the file, applies pending schema migrations and starts the writer. Called by the first operation if not before.</summary>
    /// <param name="cancellationToken">Cancels the wait (not the initialization).</param>
    /// <returns>A task that completes when the store is ready.</returns>
    /// <exception cref="SqliteStoreSchemaException">The file was written by a newer version of the store.</exception>
    public Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        lock (_initGate)
        {
            // Checked under the lock DisposeAsync reads the initialization under: a store disposed before its first
            // operation never opens its file (the connection would never be closed).
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            _initialized ??= Task.Run(Initialize, CancellationToken.None);
        }

        return _initialized.WaitAsync(cancellationToken);
    }

    private void Initialize()
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            connection.Open();
            Execute(connection, "PRAGMA journal_mode=WAL;");
            var pragmas = (_options.Synchronous == SqliteSynchronousMode.Full ? "PRAGMA synchronous=FULL;" : "PRAGMA synchronous=NORMAL;")
                + "PRAGMA busy_timeout=" + ((long)_options.BusyTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + ";";
            Execute(connection, pragmas);
            SqliteSchema.Migrate(connection);

            // NORMAL: checkpoints run off the commit path (WalCheckpointer), not inline in whichever commit crosses the
            // threshold (measured: ~74 -> ~57 us per transition). FULL keeps SQLite's own auto-checkpoint: every commit already
            // syncs the WAL, and a background pass measured no better (its database sync competes with the commits' syncs).
            if (_options.Synchronous == SqliteSynchronousMode.Normal)
            {
                Execute(connection, "PRAGMA wal_autocheckpoint=0;");
                _checkpointer = new WalCheckpointer(_connectionString, pragmas, sql => Execute(connection, sql), () => WrittenPages(connection));
            }

            _commands = new WriterCommands(connection);
            _writer = connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Returns the pages the connection wrote (in WAL mode: WAL frames) since the previous call, and resets the count.</summary>
    private static long WrittenPages(SqliteConnection connection)
    {
        // Runs after a commit was acknowledged: never throw here (only an unknown status code could fail).
        return raw.sqlite3_db_status(connection.Handle!, raw.SQLITE_DBSTATUS_CACHE_WRITE, out var written, out _, 1) == raw.SQLITE_OK ? written : 0;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private async ValueTask<SqliteConnection> OpenReaderAsync(CancellationToken cancellationToken)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async ValueTask<T> EnqueueAsync<T>(Func<WriterCommands, (T Result, bool Keep)> apply, bool signalsEvents, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        var op = new WriteOp<T>(apply, signalsEvents, cancellationToken);
        ObjectDisposedException.ThrowIf(!_writes.Writer.TryWrite(op), this);

        // No writer running: this caller writes (its own op and whatever queued behind it) on its own thread, so a lone
        // writer pays no thread hop. While one writes and syncs, the others queue up and share the next commit.
        Write(op);
        return await op.Task.ConfigureAwait(false);
    }

    /// <summary>
    /// Becomes the writer if no one is (at most one at a time), and commits the pending writes batch by batch. A caller stops
    /// once its own write is acknowledged and hands what is left to a thread-pool writer, which stops when nothing is pending.
    /// After giving up the role it looks again, so a write queued while the role was being given up is never stranded.
    /// </summary>
    private void Write(WriteOp? mine)
    {
        while (Interlocked.CompareExchange(ref _writing, 1, 0) == 0)
        {
            var handOff = false;
            try
            {
                while (true)
                {
                    if (mine is { IsDone: true })
                    {
                        handOff = true;
                        break;
                    }

                    if (!CommitNextBatch())
                    {
                        break;
                    }
                }
            }
            finally
            {
                Volatile.Write(ref _writing, 0);
            }

            if (!_writes.Reader.TryPeek(out _))
            {
                return;
            }

            if (handOff)
            {
                _ = Task.Run(() => Write(null), CancellationToken.None);
                return;
            }
        }
    }

    /// <summary>
    /// For tests: takes the writer role (after the current writer) so that writes queue up; disposing the result gives it
    /// back and commits what queued, in batches of up to <see cref="SqliteLoopStoreOptions.MaxCommitBatchSize"/>.
    /// </summary>
    internal IDisposable HoldWriter()
    {
        while (Interlocked.CompareExchange(ref _writing, 1, 0) != 0)
        {
            Thread.Sleep(1);
        }

        return new WriterHold(this);
    }

    private sealed class WriterHold(SqliteLoopStore store) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                Volatile.Write(ref store._writing, 0);
                store.Write(null);
            }
        }
    }

    /// <summary>Commits up to one batch of pending writes; returns <see langword="false"/> when nothing was pending.</summary>
    private bool CommitNextBatch()
    {
        var batch = _batch;
        batch.Clear();
        var any = false;
        while (batch.Count < _options.MaxCommitBatchSize && _writes.Reader.TryRead(out var op))
        {
            any = true;
            if (!op.TryCancel())
            {
                batch.Add(op);
            }
        }

        if (batch.Count == 0)
        {
            return any;
        }

        var commands = _commands!;
        var signal = false;
        try
        {
            commands.Begin();
            if (batch.Count == 1)
            {
                // Alone in its transaction: no savepoint; a write that is not kept rolls the transaction back.
                var op = batch[0];
                if (op.Apply(commands))
                {
                    signal = op.SignalsEvents;
                    commands.Commit.Execute();
                }
                else
                {
                    commands.Rollback.Execute();
                }
            }
            else
            {
                // Optimistic: no savepoint per write. A write that is not kept is harmless only if it changed nothing (a
                // version conflict is found by the instance write itself, before any other row); any other failure rolls the
                // attempt back, and the batch runs again with a savepoint around each write, so no write poisons the others.
                if (!TryApplyWithoutSavepoints(batch, commands, ref signal))
                {
                    commands.TryRollback();
                    Interlocked.Increment(ref _batchRetries);
                    signal = false;
                    commands.Begin();
                    foreach (var op in batch)
                    {
                        commands.Savepoint.Execute();
                        if (!op.Apply(commands))
                        {
                            commands.RollbackToSavepoint.Execute();
                            commands.ForgetPositions();
                        }
                        else
                        {
                            signal |= op.SignalsEvents;
                        }

                        commands.ReleaseSavepoint.Execute();
                    }
                }

                commands.Commit.Execute();
            }

            Interlocked.Increment(ref _transactions);
        }
#pragma warning disable CA1031 // The batch's callers get the error; the writer goes on with the next batch.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            commands.TryRollback();
            foreach (var op in batch)
            {
                op.Fail(ex);
            }

            batch.Clear();
            return true;
        }

        // Acknowledge only now that the transaction (and its sync) has completed.
        foreach (var op in batch)
        {
            op.Complete();
        }

        // Do not keep the last batch's commits (records, events, instances) alive until the next one: the GC would promote them.
        batch.Clear();

        if (signal)
        {
            Interlocked.Exchange(ref _newEvents, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }

        _checkpointer?.AfterCommit();

        return true;
    }

    /// <summary>
    /// Applies a batch's writes without savepoints; returns <see langword="false"/> (the transaction must be rolled back) as
    /// soon as a write fails after it changed a row, or throws.
    /// </summary>
    private static bool TryApplyWithoutSavepoints(List<WriteOp> batch, WriterCommands commands, ref bool signal)
    {
        foreach (var op in batch)
        {
            var changesBefore = commands.TotalChanges;
            if (op.Apply(commands))
            {
                signal |= op.SignalsEvents;
            }
            else if (op.Failed || commands.TotalChanges != changesBefore)
            {
                return false;
            }
            else
            {
                // Refused before writing a row: the next write takes the positions this one took.
                commands.ForgetPositions();
            }
        }

        return true;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// A point read on a kept reader connection with its statement prepared once; it completes synchronously once the store
    /// is initialized (SQLite reads a local file: Microsoft.Data.Sqlite's async calls are synchronous too).
    /// </remarks>
    public ValueTask<LoopInstance?> GetInstanceAsync(string orgId, string aggregateId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(orgId);
        ArgumentNullException.ThrowIfNull(aggregateId);
        if (Volatile.Read(ref _initialized) is not { IsCompletedSuccessfully: true })
        {
            return GetInstanceAfterInitAsync(orgId, aggregateId, cancellationToken);
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<LoopInstance?>(cancellationToken);
        }

        try
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            return new ValueTask<LoopInstance?>(ReadInstance(orgId, aggregateId));
        }
        catch (Exception ex) when (ex is SqliteException or ObjectDisposedException)
        {
            return ValueTask.FromException<LoopInstance?>(ex);
        }
    }

    private async ValueTask<LoopInstance?> GetInstanceAfterInitAsync(string orgId, string aggregateId, CancellationToken cancellationToken)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        return ReadInstance(orgId, aggregateId);
    }

    private LoopInstance? ReadInstance(string orgId, string aggregateId)
    {
        var session = RentReader();
        try
        {
            return session.ReadInstance(orgId, aggregateId);
        }
        catch
        {
            session.Dispose();
            session = null;
            throw;
        }
        finally
        {
            if (session is not null)
            {
                ReturnReader(session);
            }
        }
    }

    private ReaderSession RentReader()
    {
        if (_readers.TryPop(out var session))
        {
            return session;
        }

        session = new ReaderSession(_connectionString, (long)_options.BusyTimeout.TotalMilliseconds);
        return session;
    }

    private void ReturnReader(ReaderSession session)
    {
        if (_readers.Count >= MaxIdleReaders)
        {
            session.Dispose();
            return;
        }

        _readers.Push(session);
        if (Volatile.Read(ref _disposed) != 0)
        {
            // Closed meanwhile: do not leave a connection behind.
            DisposeReaders();
        }
    }

    private void DisposeReaders()
    {
        while (_readers.TryPop(out var session))
        {
            session.Dispose();
        }
    }

    /// <inheritdoc/>
    public ValueTask<CommitResult> CommitAsync(StoreCommit commit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(commit);
        commit.Validate();

        // On the caller's thread (the single writer is the serial part of group commit): find the pairs the trace records
        // will hold, and render the lazily written fields of the other events (JSON rendering was ~3% of the process CPU
        // under 32 writers before, by dotnet-trace and perf). Held events are never rendered: their records are stored.
        var pairs = ExecutedEventPair.FindHeld(commit);
        var events = commit.Events;
        for (var i = 0; i < events.Count; i++)
        {
            if (!ExecutedEventPair.IsHeld(pairs, i))
            {
                _ = events[i].EventId;
                _ = events[i].Json;
            }
        }

        return EnqueueAsync(c => Apply(c, commit, pairs), events.Count > 0, cancellationToken);
    }

    private static (CommitResult Result, bool Keep) Apply(WriterCommands c, StoreCommit commit, ExecutedEventPair.Held[]? pairs)
    {
        foreach (var write in commit.Instances)
        {
            var instance = write.Instance;
            var changed = WriteInstance(write.ExpectedVersion == 0 ? c.InsertInstance : c.UpdateInstanceState, commit.OrgId, write);
            if (changed == 0 && write.ExpectedVersion != 0)
            {
                // Not the usual transition write (its indexed identity columns differ from the stored row), or a conflict:
                // the full update sets every column.
                changed = WriteInstance(c.UpdateInstance, commit.OrgId, write);
            }

            if (changed == 0)
            {
                var actual = c.ReadVersion(commit.OrgId, instance.AggregateId);
                return (write.ExpectedVersion == 0 ? CommitResult.Exists(instance.AggregateId, actual) : CommitResult.Conflict(instance.AggregateId, actual), false);
            }
        }

        // Positions first: an executed transition's requested + executed events, exactly as the engine wrote them, are kept
        // in its trace record's row (row id = the requested event's position), not as two rows of the events table.
        var events = commit.Events;
        var positions = events.Count == 0 ? [] : new long[events.Count];
        if (positions.Length > 0)
        {
            var first = c.TakePositions(positions.Length);
            for (var i = 0; i < positions.Length; i++)
            {
                positions[i] = first + i;
            }
        }

        var records = commit.Records;
        for (var r = 0; r < records.Count; r++)
        {
            var record = records[r];
            StoreRows.BindRecord(c.InsertRecord.Setter, commit.OrgId, record);
            var statement = c.InsertRecord;
            if (ExecutedEventPair.HeldBy(pairs, r) is { } held)
            {
                var (rqHigh, rqLow) = events[held.Index].IdBits;
                var (exHigh, exLow) = events[held.Index + 1].IdBits;
                statement.Set("@rowid", positions[held.Index]);
                statement.Set("@requested_id_high", unchecked((long)rqHigh));
                statement.Set("@requested_id_low", unchecked((long)rqLow));
                statement.Set("@executed_id_high", unchecked((long)exHigh));
                statement.Set("@executed_id_low", unchecked((long)exLow));
                statement.Set("@duration_ms", held.DurationMs);
            }
            else
            {
                statement.Set("@rowid", c.TakeRecordRowid());
                statement.Set("@requested_id_high", DBNull.Value);
                statement.Set("@requested_id_low", DBNull.Value);
                statement.Set("@executed_id_high", DBNull.Value);
                statement.Set("@executed_id_low", DBNull.Value);
                statement.Set("@duration_ms", DBNull.Value);
            }

            try
            {
                statement.Execute();
            }
            catch (SqliteException ex) when (ex.SqliteErrorCode == SqliteConstraint)
            {
                // A record must extend its trace; a store never overwrites one.
                return (CommitResult.Conflict(record.AggregateId, c.ReadVersion(commit.OrgId, record.AggregateId)), false);
            }
        }

        foreach (var recommendation in commit.Recommendations)
        {
            StoreRows.BindRecommendation(c.UpsertRecommendation.Setter, commit.OrgId, recommendation);
            c.UpsertRecommendation.Execute();
        }

        if (commit.Idempotency is { } idempotency)
        {
            StoreRows.BindIdempotency(c.InsertIdempotency.Setter, commit.OrgId, idempotency);
            if (c.InsertIdempotency.Execute() == 0)
            {
                return (CommitResult.KeyExists(idempotency.AggregateId), false);
            }
        }

        foreach (var change in commit.Timers)
        {
            c.ApplyTimer(commit.OrgId, change);
        }

        for (var i = 0; i < positions.Length; i++)
        {
            if (ExecutedEventPair.IsHeld(pairs, i))
            {
                continue;
            }

            StoreRows.BindEvent(c.InsertEvent.Setter, events[i]);
            c.InsertEvent.Set("@position", positions[i]);
            c.InsertEvent.Execute();
        }

        return (CommitResult.Committed(positions), true);
    }

    /// <summary>Binds an instance write (with its expected version and pending count) to an insert or update and runs it; returns the rows changed.</summary>
    private static int WriteInstance(WriterStatement statement, string orgId, InstanceWrite write)
    {
        StoreRows.BindInstance(statement.Setter, write.Instance);
        statement.Set("@org", orgId);
        statement.Set("@expected", write.ExpectedVersion);
        statement.Set("@expected_pending", write.ExpectedPendingRecommendationCount is { } pending ? (long)pending : (object)DBNull.Value);
        return statement.Execute();
    }

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<TransitionRecord>> ReadTraceAsync(string orgId, string aggregateId, long fromSequence = 1, int maxCount = int.MaxValue, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxCount);
        return await ReadListAsync(
            $"SELECT {StoreRows.RecordColumns} FROM trace_records WHERE org = @org AND aggregate = @aggregate AND sequence >= @from ORDER BY sequence LIMIT @max;",
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
        var where = StoreRows.InstanceFilter(query, parameters, "IN (SELECT value FROM json_each({0}))");
        parameters.Add(("@limit", query.PageSize + 1L));
        var items = await ReadListAsync($"SELECT {StoreRows.InstanceColumns} FROM instances WHERE {where} ORDER BY opened_at, aggregate LIMIT @limit;", parameters, StoreRows.ReadInstance, cancellationToken).ConfigureAwait(false);
        return PageTokens.ToPage(items, query.PageSize, i => PageTokens.Encode(i.OpenedAt, i.AggregateId));
    }

    /// <inheritdoc/>
    public async ValueTask<Page<Recommendation>> QueryRecommendationsAsync(RecommendationQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        PageTokens.ValidatePageSize(query.PageSize);
        var parameters = new List<(string Name, object Value)>();
        var where = StoreRows.RecommendationFilter(query, parameters, "IN (SELECT value FROM json_each({0}))");
        parameters.Add(("@limit", query.PageSize + 1L));
        var items = await ReadListAsync($"SELECT {StoreRows.RecommendationColumns} FROM recommendations WHERE {where} ORDER BY created_at, id LIMIT @limit;", parameters, StoreRows.ReadRecommendation, cancellationToken).ConfigureAwait(false);
        return PageTokens.ToPage(items, query.PageSize, r => PageTokens.Encode(r.CreatedAt, r.Id));
    }


    /// <inheritdoc/>
    /// <remarks>
    /// Events come from two places, read in one snapshot: the events table, and the trace records that hold an executed
    /// transition's requested and executed events (written again from the record, as committed).
    /// </remarks>
    public async ValueTask<IReadOnlyList<LoopEvent>> ReadEventsAsync(long afterPosition, int maxCount, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(afterPosition);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxCount);

        // One writer at a time holds the file's write lock and takes positions after the highest inside its transaction, so
        // a committed snapshot never shows a higher position while a lower one is still to commit. Both queries read the
        // same snapshot (one read transaction), or a commit between them could show a later event without an earlier one.
        var connection = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var snapshot = connection.BeginTransaction(deferred: true);
            (string, object)[] range = [("@after", afterPosition), ("@max", (long)maxCount)];
            var table = await ReadListAsync(
                connection,
                $"SELECT {StoreRows.EventColumns} FROM events WHERE position > @after ORDER BY position LIMIT @max;",
                range,
                StoreRows.ReadEvent,
                cancellationToken).ConfigureAwait(false);

            // A row at the position read last still has its executed event after it.
            var pairs = await ReadListAsync(
                connection,
                $"SELECT {StoreRows.HeldPairRecordColumns}, rowid, {StoreRows.HeldPairIdColumns} FROM trace_records WHERE rowid >= @after AND rowid > 0 AND requested_id_high IS NOT NULL ORDER BY rowid LIMIT @max;",
                range,
                static r => StoreRows.ReadHeldPair(r, 0),
                cancellationToken).ConfigureAwait(false);
            snapshot.Commit();
            return StoreRows.MergeHeld(table, pairs, afterPosition, maxCount);
        }
    }

    /// <inheritdoc/>
    public async ValueTask WaitForEventsAsync(long afterPosition, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            while (true)
            {
                // Take the in-process signal before looking, so a commit between the look and the wait is not missed.
                var signal = Volatile.Read(ref _newEvents).Task;
                if (await ReadMaxPositionAsync(deadline.Token).ConfigureAwait(false) > afterPosition)
                {
                    return;
                }

                try
                {
                    // Other processes do not signal this one: poll the file as well.
                    await signal.WaitAsync(_options.EventPollInterval, deadline.Token).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    // Poll again.
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The timeout passed; the caller reads again.
        }
    }

    /// <summary>
    /// The highest position taken: in the events table, or by a trace record's row (its row id is its requested event's
    /// position, and the executed event follows it); with <paramref name="heldPairsOnly"/>, only rows that hold a pair.
    /// </summary>
    private static string HighestPositionSql(bool heldPairsOnly) =>
        "SELECT max(coalesce((SELECT max(position) FROM events), 0), coalesce((SELECT rowid + 1 FROM trace_records WHERE rowid > 0" +
        (heldPairsOnly ? " AND requested_id_high IS NOT NULL" : string.Empty) + " ORDER BY rowid DESC LIMIT 1), 0));";

    private async ValueTask<long> ReadMaxPositionAsync(CancellationToken cancellationToken)
    {
        var connection = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var command = connection.CreateCommand();
            // The highest event position: in the events table, or the executed event after a trace record's requested one.
            command.CommandText = HighestPositionSql(heldPairsOnly: true);
            return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }
    }

    /// <inheritdoc/>
    public async ValueTask<long?> GetCheckpointAsync(string subscriberName, CancellationToken cancellationToken = default)
    {
        var values = await ReadListAsync("SELECT position FROM checkpoints WHERE name = @name;", [("@name", subscriberName)], r => r.GetInt64(0), cancellationToken).ConfigureAwait(false);
        return values.Count == 0 ? null : values[0];
    }

    /// <inheritdoc/>
    public async ValueTask SetCheckpointAsync(string subscriberName, long position, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subscriberName);
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        await EnqueueAsync(
            c =>
            {
                c.SetCheckpoint.Parameters["@name"].Value = subscriberName;
                c.SetCheckpoint.Parameters["@position"].Value = position;
                c.SetCheckpoint.ExecuteNonQuery();
                return (true, true);
            },
            false,
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask<IdempotencyEntry?> GetIdempotencyEntryAsync(string orgId, string aggregateId, string key, CancellationToken cancellationToken = default)
    {
        var values = await ReadListAsync(
            $"SELECT {StoreRows.IdempotencyColumns} FROM idempotency WHERE org = @org AND aggregate = @aggregate AND key = @key;",
            [("@org", orgId), ("@aggregate", aggregateId), ("@key", key)],
            StoreRows.ReadIdempotency,
            cancellationToken).ConfigureAwait(false);
        return values.Count == 0 ? null : values[0];
    }

    /// <inheritdoc/>
    public async ValueTask<Recommendation?> GetRecommendationAsync(string orgId, string recommendationId, CancellationToken cancellationToken = default)
    {
        var values = await ReadListAsync(
            $"SELECT {StoreRows.RecommendationColumns} FROM recommendations WHERE org = @org AND id = @id;",
            [("@org", orgId), ("@id", recommendationId)],
            StoreRows.ReadRecommendation,
            cancellationToken).ConfigureAwait(false);
        return values.Count == 0 ? null : values[0];
    }

    /// <inheritdoc/>
    public ValueTask<long> NextSequenceValueAsync(string orgId, string sequenceName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(orgId);
        ArgumentNullException.ThrowIfNull(sequenceName);
        return EnqueueAsync(
            c =>
            {
                c.NextSequence.Parameters["@org"].Value = orgId;
                c.NextSequence.Parameters["@name"].Value = sequenceName;
                return ((long)c.NextSequence.ExecuteScalar()!, true);
            },
            false,
            cancellationToken);
    }

    /// <inheritdoc/>
    public async ValueTask SeedSequenceAsync(string orgId, string sequenceName, long nextValue, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(orgId);
        ArgumentNullException.ThrowIfNull(sequenceName);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(nextValue);
        await EnqueueAsync(
            c =>
            {
                c.SeedSequence.Parameters["@org"].Value = orgId;
                c.SeedSequence.Parameters["@name"].Value = sequenceName;
                c.SeedSequence.Parameters["@value"].Value = nextValue;
                c.SeedSequence.ExecuteNonQuery();
                return (true, true);
            },
            false,
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask ScheduleAsync(LoopTimer timer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(timer);
        await EnqueueAsync(c => (c.ApplyTimer(timer.OrgId, TimerChange.Schedule(timer)), true), false, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<LoopTimer>> ClaimDueAsync(DateTimeOffset now, int maxCount, string owner, TimeSpan leaseDuration, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxCount);
        ArgumentException.ThrowIfNullOrEmpty(owner);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(leaseDuration, TimeSpan.Zero);
        return await EnqueueAsync(
            c =>
            {
                var claim = c.ClaimTimers;
                claim.Parameters["@now"].Value = StoreRows.Ticks(now);
                claim.Parameters["@max"].Value = (long)maxCount;
                claim.Parameters["@owner"].Value = owner;
                claim.Parameters["@lease"].Value = StoreRows.Ticks(now + leaseDuration);
                var claimed = new List<LoopTimer>();
                using (var reader = claim.ExecuteReader())
                {
                    while (reader.Read())
                    {
                        claimed.Add(StoreRows.ReadTimer(reader));
                    }
                }

                return ((IReadOnlyList<LoopTimer>)StoreRows.SortTimers(claimed), true);
            },
            false,
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask<bool> CompleteAsync(LoopTimer timer, string owner, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(timer);
        ArgumentException.ThrowIfNullOrEmpty(owner);
        return await EnqueueAsync(
            c =>
            {
                var complete = c.CompleteTimer;
                complete.Parameters["@org"].Value = timer.OrgId;
                complete.Parameters["@aggregate"].Value = timer.AggregateId;
                complete.Parameters["@kind"].Value = timer.Kind;
                complete.Parameters["@key"].Value = timer.Key;
                complete.Parameters["@owner"].Value = owner;
                return (complete.ExecuteNonQuery() == 1, true);
            },
            false,
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask<int> CancelAsync(string orgId, string aggregateId, string? kind = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(orgId);
        var change = TimerChange.Cancel(aggregateId, kind);
        return await EnqueueAsync(c => (c.ApplyTimer(orgId, change), true), false, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<LoopTimer>> ListAsync(string orgId, string aggregateId, CancellationToken cancellationToken = default)
    {
        var timers = await ReadListAsync(
            $"SELECT {StoreRows.TimerColumns} FROM timers WHERE org = @org AND aggregate = @aggregate;",
            [("@org", orgId), ("@aggregate", aggregateId)],
            StoreRows.ReadTimer,
            cancellationToken).ConfigureAwait(false);
        return StoreRows.SortTimers(timers);
    }

    private async ValueTask<List<T>> ReadListAsync<T>(string sql, IEnumerable<(string Name, object Value)> parameters, Func<DbDataReader, T> read, CancellationToken cancellationToken)
    {
        var connection = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await ReadListAsync(connection, sql, parameters, read, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async ValueTask<List<T>> ReadListAsync<T>(SqliteConnection connection, string sql, IEnumerable<(string Name, object Value)> parameters, Func<DbDataReader, T> read, CancellationToken cancellationToken)
    {
        using var command = connection.CreateCommand();
#pragma warning disable CA2100 // The SQL is built from constants; every value is a parameter.
        command.CommandText = sql;
#pragma warning restore CA2100
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value is long[] list ? "[" + string.Join(',', list) + "]" : value);
        }

        return await StoreRows.ReadAllAsync(await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false), read, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops the writer after the pending writes, and closes the file.</summary>
    /// <returns>A task that completes when the store is closed.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _writes.Writer.TryComplete();
        Task? initialized;
        lock (_initGate)
        {
            initialized = _initialized;
        }

        if (initialized is not null)
        {
            try
            {
                await initialized.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SqliteException or SqliteStoreSchemaException)
            {
                // Nothing was opened.
            }
        }

        if (_commands is not null)
        {
            // Take the writer role for good (after the current writer, if any) and commit what is still pending.
            while (Interlocked.CompareExchange(ref _writing, 1, 0) != 0)
            {
                await Task.Delay(1).ConfigureAwait(false);
            }

            while (CommitNextBatch())
            {
            }
        }

        DisposeReaders();
        _checkpointer?.Dispose();
        _commands?.Dispose();
        if (_writer is not null)
        {
            SqliteConnection.ClearPool(_writer);
            await _writer.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>A reader connection kept open with its point-read statement prepared; used by one caller at a time.</summary>
    private sealed class ReaderSession : IDisposable
    {
        private readonly SqliteConnection _connection;
        private readonly sqlite3 _db;
        private readonly sqlite3_stmt _getInstance;

        public ReaderSession(string connectionString, long busyTimeoutMilliseconds)
        {
            _connection = new SqliteConnection(connectionString);
            try
            {
                _connection.Open();
                _db = _connection.Handle!;

                // The statement runs below Microsoft.Data.Sqlite, so SQLite's own busy handler does the waiting.
                SqliteException.ThrowExceptionForRC(raw.sqlite3_busy_timeout(_db, (int)Math.Min(int.MaxValue, busyTimeoutMilliseconds)), _db);
                SqliteException.ThrowExceptionForRC(raw.sqlite3_prepare_v2(_db, $"SELECT {StoreRows.InstanceColumns} FROM instances WHERE org = ?1 AND aggregate = ?2;", out _getInstance), _db);
            }
            catch
            {
                _connection.Dispose();
                throw;
            }
        }

        /// <summary>Reads one instance (the same columns and mapping as <see cref="StoreRows.ReadInstance"/>).</summary>
        public LoopInstance? ReadInstance(string orgId, string aggregateId)
        {
            var s = _getInstance;
            try
            {
                SqliteException.ThrowExceptionForRC(raw.sqlite3_bind_text(s, 1, orgId), _db);
                SqliteException.ThrowExceptionForRC(raw.sqlite3_bind_text(s, 2, aggregateId), _db);
                var rc = raw.sqlite3_step(s);
                if (rc == raw.SQLITE_DONE)
                {
                    return null;
                }

                if (rc != raw.SQLITE_ROW)
                {
                    SqliteException.ThrowExceptionForRC(rc, _db);
                }

                return new LoopInstance
                {
                    OrgId = Text(s, 0)!,
                    AggregateId = Text(s, 1)!,
                    LoopId = Text(s, 2)!,
                    DefinitionVersion = Text(s, 3)!,
                    CurrentState = Text(s, 4)!,
                    Status = (LoopStatus)raw.sqlite3_column_int64(s, 5),
                    Version = raw.sqlite3_column_int64(s, 6),
                    CorrelationId = Text(s, 7)!,
                    OpenedAt = StoreRows.Time(raw.sqlite3_column_int64(s, 8)),
                    UpdatedAt = StoreRows.Time(raw.sqlite3_column_int64(s, 9)),
                    ClosedAt = raw.sqlite3_column_type(s, 10) == raw.SQLITE_NULL ? null : StoreRows.Time(raw.sqlite3_column_int64(s, 10)),
                    HeadHash = Text(s, 11)!,
                    ParentLoopId = Text(s, 12),
                    ParentAggregateId = Text(s, 13),
                    PendingRecommendationCount = checked((int)raw.sqlite3_column_int64(s, 14)),
                };
            }
            finally
            {
                raw.sqlite3_reset(s);
            }
        }

        public void Dispose()
        {
            _getInstance?.Dispose();
            _connection.Dispose();
        }

        private static string? Text(sqlite3_stmt statement, int column) =>
            raw.sqlite3_column_type(statement, column) == raw.SQLITE_NULL ? null : raw.sqlite3_column_text(statement, column).utf8_to_string();
    }

    private abstract class WriteOp(bool signalsEvents, CancellationToken cancellationToken)
    {
        public bool SignalsEvents { get; } = signalsEvents;

        protected CancellationToken CancellationToken { get; } = cancellationToken;

        public abstract bool IsDone { get; }

        /// <summary>Gets a value indicating whether the last <see cref="Apply"/> threw.</summary>
        public abstract bool Failed { get; }

        public abstract bool TryCancel();

        public abstract bool Apply(WriterCommands commands);

        public abstract void Complete();

        public abstract void Fail(Exception exception);
    }

    private sealed class WriteOp<T>(Func<WriterCommands, (T Result, bool Keep)> apply, bool signalsEvents, CancellationToken cancellationToken)
        : WriteOp(signalsEvents, cancellationToken)
    {
        private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T? _result;
        private Exception? _error;

        public Task<T> Task => _completion.Task;

        public override bool IsDone => _completion.Task.IsCompleted;

        public override bool Failed => _error is not null;

        public override bool TryCancel() => CancellationToken.IsCancellationRequested && _completion.TrySetCanceled(CancellationToken);

        public override bool Apply(WriterCommands commands)
        {
            // A batch may run a write twice (the first attempt rolled back): only the last attempt counts.
            _error = null;
            _result = default;
            try
            {
                var (result, keep) = apply(commands);
                _result = result;
                return keep;
            }
#pragma warning disable CA1031 // Whatever one write throws is its caller's error, never its batch-mates'.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                // Only this write fails; its savepoint is rolled back and the batch goes on.
                _error = ex;
                return false;
            }
        }

        public override void Complete()
        {
            if (_error is not null)
            {
                _completion.TrySetException(_error);
            }
            else
            {
                _completion.TrySetResult(_result!);
            }
        }

        public override void Fail(Exception exception) => _completion.TrySetException(exception);
    }

    /// <summary>The writer connection's prepared commands, reused for every write.</summary>
    private sealed class WriterCommands : IDisposable
    {
        private const string InstanceStateSet = "loop_id = @loop_id, definition_version = @definition_version, current_state = @current_state, status = @status, version = @version, updated_at = @updated_at, closed_at = @closed_at, head_hash = @head_hash, pending_recommendation_count = @pending_recommendation_count";
        // A null expected count (a writer that checks the version only) matches any stored count.
        private const string ExpectedPendingMatch = "pending_recommendation_count = coalesce(@expected_pending, pending_recommendation_count)";
        private const string InstanceIdentityMatch = "correlation_id = @correlation_id AND opened_at = @opened_at AND parent_loop_id IS @parent_loop_id AND parent_aggregate_id IS @parent_aggregate_id";

        private readonly SqliteConnection _connection;
        private readonly List<SqliteCommand> _all = [];
        private long _lastPosition = -1;
        private long _lowestRowid = 1;
        private readonly List<WriterStatement> _statements = [];

        public WriterCommands(SqliteConnection connection)
        {
            _connection = connection;
            BeginImmediate = Statement("BEGIN IMMEDIATE;");
            Commit = Statement("COMMIT;");
            Savepoint = Statement("SAVEPOINT op;");
            RollbackToSavepoint = Statement("ROLLBACK TO op;");
            ReleaseSavepoint = Statement("RELEASE op;");
            InsertInstance = Statement($"INSERT INTO instances ({StoreRows.InstanceColumns}) VALUES ({StoreRows.InstanceParameters}) ON CONFLICT (org, aggregate) DO NOTHING;");
            // A transition changes only these columns: leaving the indexed identity columns (correlation, opened_at, parent)
            // out of the SET keeps SQLite from rewriting their index entries (and pages) on every transition.
            UpdateInstanceState = Statement($"UPDATE instances SET {InstanceStateSet} WHERE org = @org AND aggregate = @aggregate AND version = @expected AND {ExpectedPendingMatch} AND {InstanceIdentityMatch};");
            UpdateInstance = Statement($"UPDATE instances SET {StoreRows.InstanceUpdateSet} WHERE org = @org AND aggregate = @aggregate AND version = @expected AND {ExpectedPendingMatch};");
            ReadVersionCommand = Create("SELECT version FROM instances WHERE org = @org AND aggregate = @aggregate;", ["@org", "@aggregate"]);
            InsertRecord = Statement($"INSERT INTO trace_records (rowid, {StoreRows.RecordColumns}, {StoreRows.HeldPairIdColumns}) VALUES (@rowid, {StoreRows.RecordParameters}, @requested_id_high, @requested_id_low, @executed_id_high, @executed_id_low, @duration_ms);");
            UpsertRecommendation = Statement($"INSERT INTO recommendations ({StoreRows.RecommendationColumns}) VALUES ({StoreRows.RecommendationParameters}) ON CONFLICT (org, id) DO UPDATE SET {StoreRows.RecommendationUpdateSet};");
            InsertIdempotency = Statement($"INSERT INTO idempotency ({StoreRows.IdempotencyColumns}) VALUES ({StoreRows.IdempotencyParameters}) ON CONFLICT (org, aggregate, key) DO NOTHING;");
            InsertEvent = Statement($"INSERT INTO events (position, {StoreRows.EventInsertColumns}) VALUES (@position, {StoreRows.EventParameters});");
            // Rows inserted by hand count too, so a row id is never taken twice.
            LastPosition = Statement(HighestPositionSql(heldPairsOnly: false));
            LowestRowid = Statement("SELECT min(0, coalesce((SELECT min(rowid) FROM trace_records), 0));");
            SetCheckpoint = Create("INSERT INTO checkpoints (name, position) VALUES (@name, @position) ON CONFLICT (name) DO UPDATE SET position = excluded.position;", ["@name", "@position"]);
            NextSequence = Create("INSERT INTO sequences (org, name, next_value) VALUES (@org, @name, 2) ON CONFLICT (org, name) DO UPDATE SET next_value = next_value + 1 RETURNING next_value - 1;", ["@org", "@name"]);
            SeedSequence = Create("INSERT INTO sequences (org, name, next_value) VALUES (@org, @name, @value) ON CONFLICT (org, name) DO UPDATE SET next_value = MAX(next_value, excluded.next_value);", ["@org", "@name", "@value"]);
            Rollback = Statement("ROLLBACK;");
            UpsertTimer = Statement($"INSERT INTO timers ({StoreRows.TimerColumns}) VALUES ({StoreRows.TimerParameters}) ON CONFLICT (org, aggregate, kind, key) DO UPDATE SET {StoreRows.TimerUpsertSet};");
            CancelTimersOfKind = Statement("DELETE FROM timers WHERE org = @org AND aggregate = @aggregate AND kind = @kind;");
            CancelAllTimers = Statement("DELETE FROM timers WHERE org = @org AND aggregate = @aggregate;");
            CompleteTimer = Create("DELETE FROM timers WHERE org = @org AND aggregate = @aggregate AND kind = @kind AND key = @key AND lease_owner = @owner;", ["@org", "@aggregate", "@kind", "@key", "@owner"]);
            ClaimTimers = Create(
                $"UPDATE timers SET lease_owner = @owner, lease_expires_at = @lease, attempts = attempts + 1 WHERE (org, aggregate, kind, key) IN " +
                $"(SELECT org, aggregate, kind, key FROM timers WHERE due_at <= @now AND (lease_expires_at IS NULL OR lease_expires_at <= @now) ORDER BY {StoreRows.TimerOrder} LIMIT @max) " +
                $"RETURNING {StoreRows.TimerColumns};",
                ["@owner", "@lease", "@now", "@max"]);
        }

        public WriterStatement UpsertTimer { get; }

        public WriterStatement CancelTimersOfKind { get; }

        public WriterStatement CancelAllTimers { get; }

        public SqliteCommand CompleteTimer { get; }

        public SqliteCommand ClaimTimers { get; }

        /// <summary>Applies one timer change in <paramref name="orgId"/>: schedules (upsert, unclaimed) or cancels; returns the rows changed.</summary>
        public int ApplyTimer(string orgId, TimerChange change)
        {
            if (change.Timer is { } timer)
            {
                StoreRows.BindTimer(UpsertTimer.Setter, orgId, timer);
                return UpsertTimer.Execute();
            }

            var statement = change.Kind is null ? CancelAllTimers : CancelTimersOfKind;
            statement.Set("@org", orgId);
            statement.Set("@aggregate", change.AggregateId);
            if (change.Kind is not null)
            {
                statement.Set("@kind", change.Kind);
            }

            return statement.Execute();
        }

        public WriterStatement BeginImmediate { get; }

        public WriterStatement Commit { get; }

        public WriterStatement Rollback { get; }

        public WriterStatement Savepoint { get; }

        public WriterStatement RollbackToSavepoint { get; }

        public WriterStatement ReleaseSavepoint { get; }

        public WriterStatement InsertInstance { get; }

        public WriterStatement UpdateInstance { get; }

        public WriterStatement UpdateInstanceState { get; }

        public SqliteCommand ReadVersionCommand { get; }

        public WriterStatement InsertRecord { get; }

        public WriterStatement UpsertRecommendation { get; }

        public WriterStatement InsertIdempotency { get; }

        public WriterStatement InsertEvent { get; }

        public WriterStatement LastPosition { get; }

        public WriterStatement LowestRowid { get; }

        public SqliteCommand SetCheckpoint { get; }

        public SqliteCommand NextSequence { get; }

        public SqliteCommand SeedSequence { get; }

        /// <summary>Gets the rows inserted, updated or deleted on the writer connection since it opened.</summary>
        public long TotalChanges => raw.sqlite3_total_changes(_connection.Handle!);

        public long ReadVersion(string orgId, string aggregateId)
        {
            ReadVersionCommand.Parameters["@org"].Value = orgId;
            ReadVersionCommand.Parameters["@aggregate"].Value = aggregateId;
            return ReadVersionCommand.ExecuteScalar() is long version ? version : 0;
        }

        /// <summary>
        /// Takes <paramref name="count"/> consecutive event positions after the highest one taken (in the events table or by a
        /// trace record's pair); read once per transaction, inside it, so another process's commits are counted.
        /// </summary>
        public long TakePositions(int count)
        {
            if (_lastPosition < 0)
            {
                _lastPosition = LastPosition.ScalarInt64();
            }

            var first = _lastPosition + 1;
            _lastPosition += count;
            return first;
        }

        /// <summary>Takes the row id of a trace record that holds no events: below every other (row ids above zero are event positions).</summary>
        public long TakeRecordRowid()
        {
            if (_lowestRowid > 0)
            {
                _lowestRowid = LowestRowid.ScalarInt64();
            }

            return --_lowestRowid;
        }

        /// <summary>Forgets the positions and row ids taken: the transaction (or a savepoint) that took them was rolled back.</summary>
        public void ForgetPositions()
        {
            _lastPosition = -1;
            _lowestRowid = 1;
        }

        public void Begin()
        {
            ForgetPositions();
            // busy_timeout makes SQLite wait for another process's lock; retry a few times beyond that before failing the batch.
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    BeginImmediate.Execute();
                    return;
                }
                catch (SqliteException ex) when (ex.SqliteErrorCode is 5 or 6 && attempt < 3)
                {
                    // SQLITE_BUSY or SQLITE_LOCKED: try again.
                }
            }
        }

        public void TryRollback()
        {
            try
            {
                Rollback.Execute();
            }
            catch (SqliteException)
            {
                // Nothing to roll back: the transaction was already ended by SQLite.
            }
        }

        public void Dispose()
        {
            foreach (var command in _all)
            {
                command.Dispose();
            }

            foreach (var statement in _statements)
            {
                statement.Dispose();
            }
        }

        private WriterStatement Statement(string sql)
        {
            var statement = new WriterStatement(_connection, sql);
            _statements.Add(statement);
            return statement;
        }

        private SqliteCommand Create(string sql, IReadOnlyList<string>? parameters = null)
        {
            var command = _connection.CreateCommand();
#pragma warning disable CA2100 // The SQL is built from constants; every value is a parameter.
            command.CommandText = sql;
#pragma warning restore CA2100
            foreach (var name in parameters ?? [])
            {
                command.Parameters.Add(new SqliteParameter(name, DBNull.Value));
            }

            _all.Add(command);
            return command;
        }
    }
}
