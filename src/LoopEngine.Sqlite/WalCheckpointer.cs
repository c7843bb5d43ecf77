using Microsoft.Data.Sqlite;

namespace LoopEngine.Sqlite;

/// <summary>
/// Keeps WAL checkpoints off the commit path of a <see cref="SqliteSynchronousMode.Normal"/> store. The writer connection runs with <c>wal_autocheckpoint=0</c>; instead, after
/// about <see cref="SoftFrames"/> frames (SQLite's own default) a PASSIVE checkpoint on a connection of its own, on a
/// background thread, copies the WAL's pages into the database file and syncs it while the writer goes on committing.
/// When that pass is done the writer, between two transactions, runs a PASSIVE checkpoint itself: it copies only the frames
/// appended during the pass, so the whole WAL is then in the database file and SQLite restarts the WAL at the writer's
/// next transaction. The WAL therefore stays near <see cref="SoftFrames"/> (plus what one background pass lets through);
/// if passes fall behind, the writer checkpoints inline at <see cref="HardFrames"/>, as SQLite's auto-checkpoint would. The
/// hard limit counts the frames the writer really wrote (not only the learned frames per commit: a group commit of large
/// writes can write hundreds of frames, and passes start by commit count).
/// Durability does not change: commits are synced to the WAL as before, and a checkpoint never drops a committed frame.
/// Only the writer calls <see cref="AfterCommit"/> (one thread at a time).
/// </summary>
internal sealed class WalCheckpointer : IDisposable
{
    /// <summary>The WAL size, in frames, at which a checkpoint starts: SQLite's default auto-checkpoint size.</summary>
    public const int SoftFrames = 1000;

    /// <summary>The WAL size, in frames (about 32 MB with 4 KB pages), at which the writer checkpoints inline regardless.</summary>
    public const int HardFrames = 8000;

    private const int MinCommitsBetweenPasses = 16;

    private readonly string _connectionString;
    private readonly string _pragmas;
    private readonly Action<string> _runOnWriter;
    private readonly Func<long> _writerFrames;
    private readonly SemaphoreSlim _wake = new(0);
    private readonly Lock _gate = new();
    private Thread? _thread;
    private SqliteConnection? _connection;
    private bool _stopping;

    // Set by the background pass, read by the writer once the pass is done (_running back to 0).
    private int _running;
    private long _passLog = -1;
    private int _passCommits;

    // The writer's own state.
    private int _commitsSinceRestart;
    private long _framesSinceRestart;
    private double _framesPerCommit = 4;
    private int _nextPassAt = (int)(SoftFrames / 4.0);
    private bool _restartWanted;

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
        _commitsSinceRestart++;
        _framesSinceRestart += _writerFrames();
        var idle = Volatile.Read(ref _running) == 0;
        if (idle && _passLog >= 0)
        {
            // A background pass finished: learn the WAL's growth rate, and restart the WAL if it is big enough.
            var log = _passLog;
            _passLog = -1;
            if (_passCommits > 0 && log > 0)
            {
                _framesPerCommit = Math.Max(0.25, (double)log / _passCommits);
            }

            if (log >= SoftFrames * 3 / 4)
            {
                _restartWanted = true;
            }
            else
            {
                _nextPassAt = _passCommits + Math.Max(MinCommitsBetweenPasses, (int)((SoftFrames - log) / _framesPerCommit));
            }
        }

        if (idle && _restartWanted)
        {
            CheckpointOnWriter();
            return;
        }

        if (Math.Max(_framesSinceRestart, _commitsSinceRestart * _framesPerCommit) >= HardFrames)
        {
            // Background passes are not keeping up (or keep failing): checkpoint inline, as SQLite would by itself.
            if (idle)
            {
                CheckpointOnWriter();
            }

            return;
        }

        if (idle && !_restartWanted && _commitsSinceRestart >= _nextPassAt)
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

        _restartWanted = false;
        _commitsSinceRestart = 0;
        _framesSinceRestart = 0;
        _nextPassAt = Math.Max(MinCommitsBetweenPasses, (int)(SoftFrames / _framesPerCommit));
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

        _passCommits = _commitsSinceRestart;
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

            long log = 0;
            try
            {
                _connection ??= Open();
                using var command = _connection.CreateCommand();
                command.CommandText = "PRAGMA wal_checkpoint(PASSIVE);";
                using var reader = command.ExecuteReader();
                if (reader.Read())
                {
                    // -1 when the pass could not run (another connection was checkpointing).
                    log = Math.Max(0, reader.GetInt64(1));
                }

                BackgroundPasses++;
            }
#pragma warning disable CA1031 // Whatever a background pass hits must not end the process; the writer checkpoints inline at HardFrames.
            catch (Exception)
#pragma warning restore CA1031
            {
                // Nothing lost: commits do not depend on this pass.
            }

            _passLog = log;
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
