using System.Collections.Concurrent;
using BenchmarkDotNet.Attributes;
using Microsoft.Data.Sqlite;
using Microsoft.Win32.SafeHandles;

namespace LoopEngine.Benchmarks;

/// <summary>
/// S3's ceiling on this machine, without the engine: what 32 concurrent writers gain over one writer when each write is
/// nothing but the rows a stored transition writes (a version-checked instance row update and a ~700-byte trace row with
/// its (aggregate, sequence) index entry), committed by hand-written group commit with <c>synchronous=FULL</c>. The
/// baseline is one writer, one write per commit, on the same file (S1's shape). Two group commits: a writer thread that
/// commits every pending write in one transaction and acknowledges after the commit's sync, and a pipelined one (commits
/// without a sync, a second thread syncs the WAL file and acknowledges, so the next batch commits during the sync). The
/// 32 writers are async methods awaiting their acknowledgement, as in S3. If these ratios stay under 10×, S3's target is
/// out of reach here for any engine: the engine only adds work to each write.
/// </summary>
[MemoryDiagnoser]
public class S3RawCeilingBenchmark
{
    private const int Writers = S3SqliteGroupCommitBenchmark.Writers;
    private const int PerWriter = S3SqliteGroupCommitBenchmark.PerWriter;
    private const int SingleWriterOps = S3SqliteGroupCommitBenchmark.SingleWriterOps;

    private string _dir = null!;
    private RawRows _full = null!;
    private RawRows _pipelined = null!;
    private GroupCommitter _group = null!;
    private PipelinedCommitter _piped = null!;

    [GlobalSetup]
    public void Setup()
    {
        _dir = StoreBench.NewTempDirectory("s3raw");
        _full = new RawRows(Path.Combine(_dir, "full.db"), "FULL");
        _pipelined = new RawRows(Path.Combine(_dir, "pipelined.db"), "NORMAL");
        _group = new GroupCommitter(_full);
        _piped = new PipelinedCommitter(_pipelined);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _group.Dispose();
        _piped.Dispose();
        _full.Dispose();
        _pipelined.Dispose();
        StoreBench.DeleteDirectory(_dir);
    }

    /// <summary>One writer, one write per commit, <c>FULL</c>.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = SingleWriterOps)]
    public void RawSingleWriter()
    {
        for (var i = 0; i < SingleWriterOps; i++)
        {
            _full.Begin();
            _full.Write(Writers);
            _full.Commit();
        }
    }

    /// <summary>32 async writers, a writer thread commits what is pending in one transaction and answers after its sync.</summary>
    [Benchmark(OperationsPerInvoke = Writers * PerWriter)]
    [BenchmarkCategory("Reference")]
    public Task RawGroupCommit32() => RunWriters(_group.WriteAsync);

    /// <summary>32 async writers; commits without a sync, answered once a second thread has synced the WAL file.</summary>
    [Benchmark(OperationsPerInvoke = Writers * PerWriter)]
    [BenchmarkCategory("Reference")]
    public Task RawPipelinedSync32() => RunWriters(_piped.WriteAsync);

    private static Task RunWriters(Func<int, Task> write)
    {
        var tasks = new Task[Writers];
        for (var w = 0; w < Writers; w++)
        {
            tasks[w] = Writer(w, write);
        }

        return Task.WhenAll(tasks);

        static async Task Writer(int writer, Func<int, Task> write)
        {
            await Task.Yield();
            for (var i = 0; i < PerWriter; i++)
            {
                await write(writer);
            }
        }
    }

    /// <summary>A file with the store's row shapes and prepared statements; used by one thread at a time.</summary>
    private sealed class RawRows : IDisposable
    {
        private readonly SqliteConnection _connection;
        private readonly SqliteCommand _begin;
        private readonly SqliteCommand _commit;
        private readonly SqliteCommand _update;
        private readonly SqliteCommand _insert;
        private readonly long[] _versions = new long[Writers + 1];
        private readonly string[] _aggregates = new string[Writers + 1];
        private readonly string _payload = StoreBench.Payload(700);
        private readonly string _hash = new('b', 64);

        public RawRows(string path, string synchronous)
        {
            Path = path;
            _connection = new SqliteConnection("Data Source=" + path + ";Pooling=false");
            _connection.Open();
            StoreBench.Execute(_connection, "PRAGMA journal_mode=WAL;");
            StoreBench.Execute(_connection, "PRAGMA synchronous=" + synchronous + ";");
            StoreBench.Execute(_connection, "CREATE TABLE instances (org TEXT NOT NULL, aggregate TEXT NOT NULL, current_state TEXT NOT NULL, version INTEGER NOT NULL, updated_at INTEGER NOT NULL, head_hash TEXT NOT NULL, opened_at INTEGER NOT NULL, correlation_id TEXT NOT NULL, PRIMARY KEY (org, aggregate)) WITHOUT ROWID;");
            StoreBench.Execute(_connection, "CREATE INDEX ix_instances_opened ON instances (org, opened_at, aggregate); CREATE INDEX ix_instances_correlation ON instances (org, correlation_id);");
            StoreBench.Execute(_connection, "CREATE TABLE trace_records (org TEXT NOT NULL, aggregate TEXT NOT NULL, sequence INTEGER NOT NULL, evidence TEXT NOT NULL, hash TEXT NOT NULL); CREATE UNIQUE INDEX ux_trace_records ON trace_records (org, aggregate, sequence);");
            StoreBench.Execute(_connection, "BEGIN;");
            for (var w = 0; w <= Writers; w++)
            {
                _aggregates[w] = "PO-W" + w.ToString(System.Globalization.CultureInfo.InvariantCulture);
                StoreBench.Execute(_connection, $"INSERT INTO instances VALUES ('default', '{_aggregates[w]}', 'COUNTING', 0, 0, '{_hash}', {w}, 'corr-{w}');");
            }

            StoreBench.Execute(_connection, "COMMIT;");
            _begin = Prepare("BEGIN IMMEDIATE;");
            _commit = Prepare("COMMIT;");
            _update = Prepare("UPDATE instances SET current_state = 'COUNTING', version = @v, updated_at = @v, head_hash = @h WHERE org = 'default' AND aggregate = @a AND version = @e;", "@v", "@h", "@a", "@e");
            _insert = Prepare("INSERT INTO trace_records (org, aggregate, sequence, evidence, hash) VALUES ('default', @a, @s, @p, @h);", "@a", "@s", "@p", "@h");
        }

        public string Path { get; }

        public void Begin() => _begin.ExecuteNonQuery();

        public void Commit() => _commit.ExecuteNonQuery();

        public void Write(int writer)
        {
            var version = _versions[writer];
            _update.Parameters[0].Value = version + 1;
            _update.Parameters[1].Value = _hash;
            _update.Parameters[2].Value = _aggregates[writer];
            _update.Parameters[3].Value = version;
            if (_update.ExecuteNonQuery() != 1)
            {
                throw new InvalidOperationException("Version conflict in the raw S3 ceiling: each writer owns its row.");
            }

            _insert.Parameters[0].Value = _aggregates[writer];
            _insert.Parameters[1].Value = version + 1;
            _insert.Parameters[2].Value = _payload;
            _insert.Parameters[3].Value = _hash;
            _insert.ExecuteNonQuery();
            _versions[writer] = version + 1;
        }

        public void Dispose()
        {
            _begin.Dispose();
            _commit.Dispose();
            _update.Dispose();
            _insert.Dispose();
            _connection.Dispose();
        }

        private SqliteCommand Prepare(string sql, params string[] parameters)
        {
            var command = _connection.CreateCommand();
            command.CommandText = sql;
            foreach (var name in parameters)
            {
                command.Parameters.Add(new SqliteParameter(name, null));
            }

            command.Prepare();
            return command;
        }
    }

    /// <summary>A writer thread: takes every pending write, one transaction, acknowledges after the commit (and its sync).</summary>
    private class GroupCommitter : IDisposable
    {
        private readonly ConcurrentQueue<(int Writer, TaskCompletionSource Done)> _pending = new();
        private readonly SemaphoreSlim _wake = new(0);
        private readonly Thread _thread;
        private volatile bool _stopping;

        public GroupCommitter(RawRows rows)
        {
            Rows = rows;
            _thread = new Thread(Run) { IsBackground = true, Name = "S3 raw writer" };
            _thread.Start();
        }

        protected RawRows Rows { get; }

        public Task WriteAsync(int writer)
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _pending.Enqueue((writer, done));
            _wake.Release();
            return done.Task;
        }

        public virtual void Dispose()
        {
            _stopping = true;
            _wake.Release();
            _thread.Join();
            _wake.Dispose();
        }

        /// <summary>Called with the committed batch: acknowledges it (here at once: the commit synced) and empties the list.</summary>
        protected virtual void Committed(List<TaskCompletionSource> batch) => Answer(batch);

        /// <summary>Answers every write of the list (their continuations run on the thread pool) and empties it.</summary>
        protected static void Answer(List<TaskCompletionSource> batch)
        {
            foreach (var done in batch)
            {
                done.SetResult();
            }

            batch.Clear();
        }

        private void Run()
        {
            var batch = new List<TaskCompletionSource>();
            while (true)
            {
                _wake.Wait();
                if (_stopping && _pending.IsEmpty)
                {
                    return;
                }

                if (_pending.IsEmpty)
                {
                    continue;
                }

                Rows.Begin();
                while (_pending.TryDequeue(out var op))
                {
                    Rows.Write(op.Writer);
                    batch.Add(op.Done);
                }

                Rows.Commit();
                Committed(batch);
            }
        }
    }

    /// <summary>Commits without a sync; a second thread syncs the WAL file, then acknowledges everything committed before.</summary>
    private sealed class PipelinedCommitter : GroupCommitter
    {
        private readonly List<TaskCompletionSource> _committed = [];
        private readonly SemaphoreSlim _syncWake = new(0);
        private readonly SafeFileHandle _wal;
        private readonly Thread _syncer;
        private volatile bool _stopping;

        public PipelinedCommitter(RawRows rows)
            : base(rows)
        {
            _wal = File.OpenHandle(rows.Path + "-wal", FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
            _syncer = new Thread(Sync) { IsBackground = true, Name = "S3 raw WAL sync" };
            _syncer.Start();
        }

        public override void Dispose()
        {
            base.Dispose();
            _stopping = true;
            _syncWake.Release();
            _syncer.Join();
            _wal.Dispose();
            _syncWake.Dispose();
        }

        protected override void Committed(List<TaskCompletionSource> batch)
        {
            lock (_committed)
            {
                _committed.AddRange(batch);
            }

            batch.Clear();
            _syncWake.Release();
        }

        private void Sync()
        {
            var taken = new List<TaskCompletionSource>();
            while (true)
            {
                _syncWake.Wait();
                lock (_committed)
                {
                    taken.AddRange(_committed);
                    _committed.Clear();
                }

                if (taken.Count == 0)
                {
                    if (_stopping)
                    {
                        return;
                    }

                    continue;
                }

                RandomAccess.FlushToDisk(_wal);
                Answer(taken);
            }
        }
    }
}
