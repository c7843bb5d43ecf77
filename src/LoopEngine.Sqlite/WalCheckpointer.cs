using Microsoft.Data.Sqlite;

namespace LoopEngine.Sqlite;

/// <summary>
/// Keeps WAL checkpoints off the commit path of a <see cref="SqliteSynchronousMode.Normal"/> store. The writer connection runs with <c>wal_autocheckpoint=0</c>; instead, after
/// about <see cref="SoftFrames"/> frames (SQLite's own default) a PASSIVE checkpoint on a connection of its own, on a
/// background thread, copies the WAL's pages into the database file and syncs it while the writer goes on committing.
/// When that pass is done the writer, between two transactions, runs a PASSIVE checkpoint itself: it copies only the frames
/// appended during the pass, so the whole WAL is then in the database file and SQLite restarts the WAL at the writer's
/// next transaction. The WAL therefore stays near <see cref="SoftFrames"/> (plus what one background pass lets through);
/// if passes fall behind, the writer checkpoints inline at <see cref="HardFrames"/>, as SQLite's auto-checkpoint would. Both
/// limits count the frames the writer really wrote (SQLite's written-pages counter), so a group commit of large writes
/// counts for the hundreds of frames it wrote.
/// Durability does not change: commits are synced to the WAL as before, and a checkpoint never drops a committed frame.
/// Only the writer calls <see cref="AfterCommit"/> (one thread at a time).
/// </summary>
internal sealed class WalCheckpointer : IDisposable
{
    /// <summary>The WAL size, in frames, at which a checkpoint starts: SQLite's default auto-checkpoint size.</summary>
    public const int SoftFrames = 1000;

    /// <summary>The WAL size, in frames (about 32 MB with 4 KB pages), at which the writer checkpoints inline regardless.</summary>
    public const int HardFrames = 8000;

    private readonly string _connectionString;
    private readonly string _pragmas;
    private readonly Action<string> _runOnWriter;
    private readonly Func<long> _writerFrames;
    private readonly SemaphoreSlim _wake = new(0);
    private readonly Lock _gate = new();
    private Thread? _thread;
    private SqliteConnection? _connection;
    private bool _stopping;

    // 1 while a background pass runs; the writer reads it between its transactions.
    private int _running;

    // The writer's own state: the frames it wrote since the WAL last restarted, and whether a background pass was started
    // since then (once it is done, the writer copies the short tail so the WAL restarts).
    private long _framesSinceRestart;
    private bool _passStarted;

    /// <param name="connectionString">The store's connection string, for the checkpointer's own connection.</param>
    /// <param name="pragmas">The store's pragmas (synchronous mode, busy timeout), run on that connection.</param>
    /// <param name="runOnWriter">Runs a statement on the writer connection (only between transactions).</param>
    /// <param name="writerFrames">Returns the WAL frames the writer wrote since the previous call.</param>
    public WalCheckpointer(string connectionString, string pragmas, Action<string> runOnWriter, Func<long> writerFrames)
    {
        _connectionString = connectionString;
        _pragmas = pragmas;
        _runOnWriter = runOnWriter;
        _writerFrames = writerFrames;
    }

    /// <summary>Gets the number of background passes completed (for tests).</summary>
    public int BackgroundPasses { get; private set; }

    /// <summary>Gets the number of checkpoints the writer ran itself (for tests).</summary>
    public int WriterCheckpoints { get; private set; }

    /// <summary>Called by the writer after each committed transaction, outside any transaction.</summary>
    public void AfterCommit()
    {
        _framesSinceRestart += _writerFrames();
        if (Volatile.Read(ref _running) != 0)
        {
            // A pass is copying the WAL; if the writer outruns it far enough, the next idle moment checkpoints inline.
            return;
        }

        if (_passStarted || _framesSinceRestart >= HardFrames)
        {
            // A background pass copied the WAL up to where it started: copy the tail written since, so SQLite restarts the
            // WAL at the next transaction. (Or passes are not keeping up, or keep failing: checkpoint inline, as SQLite's
            // auto-checkpoint would.)
            CheckpointOnWriter();
            return;
        }

        if (_framesSinceRestart >= SoftFrames)
        {
            StartPass();
        }
    }

    public void Dispose()
    {
        Thread? thread;
        lock (_gate)
        {
            _stopping = true;
            thread = _thread;
        }

        if (thread is not null)
        {
            _wake.Release();
            thread.Join();
        }

        _connection?.Dispose();
        _wake.Dispose();
    }

    private void CheckpointOnWriter()
    {
        try
        {
            _runOnWriter("PRAGMA wal_checkpoint(PASSIVE);");
            WriterCheckpoints++;
        }
        catch (SqliteException)
        {
            // Busy (another process checkpoints) or an I/O error: the next commit tries again; commits are unaffected.
            return;
        }

        _passStarted = false;
        _framesSinceRestart = 0;
    }

    private void StartPass()
    {
        lock (_gate)
        {
            if (_stopping)
            {
                return;
            }

            _thread ??= StartThread();
        }

        _passStarted = true;
        Volatile.Write(ref _running, 1);
        _wake.Release();
    }

    private Thread StartThread()
    {
        var thread = new Thread(Loop) { IsBackground = true, Name = "LoopEngine SQLite checkpointer" };
        thread.Start();
        return thread;
    }

    private void Loop()
    {
        while (true)
        {
            _wake.Wait();
            lock (_gate)
            {
                if (_stopping)
                {
                    return;
                }
            }

            try
            {
                _connection ??= Open();
                using var command = _connection.CreateCommand();
                command.CommandText = "PRAGMA wal_checkpoint(PASSIVE);";
                command.ExecuteNonQuery();
                BackgroundPasses++;
            }
#pragma warning disable CA1031 // Whatever a background pass hits must not end the process; the writer checkpoints inline at HardFrames.
            catch (Exception)
#pragma warning restore CA1031
            {
                // Nothing lost: commits do not depend on this pass.
            }

            Volatile.Write(ref _running, 0);
        }
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            connection.Open();

            // The checkpoint syncs the database file according to this connection's synchronous mode: never below the store's.
            using var command = connection.CreateCommand();
            command.CommandText = _pragmas;
            command.ExecuteNonQuery();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }
}
