using System.Transactions;
using LoopEngine.Conformance;
using Npgsql;

namespace LoopEngine.PostgreSql.Tests;

/// <summary>
/// A commit's events take their transaction id and their positions together under the event lock (so position order is
/// transaction-id order and the visibility horizon never lets a reader skip a lower position that commits later), and the
/// lock is never left held on a pooled connection.
/// </summary>
public sealed class PostgreSqlCommitOrderingTests : IAsyncLifetime
{
    private readonly string _schema = PostgresDatabase.NewSchema();
    private readonly List<PostgreSqlLoopStore> _stores = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }

        await PostgresDatabase.DropSchemaAsync(_schema);
    }

    private PostgreSqlLoopStore NewStore()
    {
        var store = new PostgreSqlLoopStore(new PostgreSqlLoopStoreOptions { ConnectionString = PostgresDatabase.RequireConnectionString(), Schema = _schema });
        _stores.Add(store);
        return store;
    }

    [PostgresFact]
    public async Task CommitAsync_InsideAmbientTransactionThatWroteBefore_ReaderNeverSkipsALowerPositionCommittingLater()
    {
        var store = NewStore();
        (await store.CommitAsync(StoreTestData.Start("org", "PO-0").Commit)).IsCommitted.Should().BeTrue();
        var before = (await store.ReadEventsAsync(0, 10)).Max(e => e.Position);

        // A host's ambient transaction: a commit with no events (its transaction id is taken here), then one with events.
        using var scope = new TransactionScope(TransactionScopeAsyncFlowOption.Enabled);
        (await store.CommitAsync(StoreTestData.Start("org", "PO-A").Commit with { Events = [] })).IsCommitted.Should().BeTrue();

        // Meanwhile another writer takes the next position and keeps its transaction open.
        var otherReserved = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        var releaseOther = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var other = Task.Run(async () =>
        {
            using var otherScope = new TransactionScope(TransactionScopeOption.RequiresNew, TransactionScopeAsyncFlowOption.Enabled);
            var result = await store.CommitAsync(new StoreCommit { OrgId = "org", Events = [StoreTestData.Event("org", "PO-OTHER")] });
            otherReserved.SetResult(result.EventPositions[0]);
            await releaseOther.Task;
            otherScope.Complete();
        });
        var otherPosition = await otherReserved.Task;

        var mine = await store.CommitAsync(new StoreCommit { OrgId = "org", Events = [StoreTestData.Event("org", "PO-A")] });
        mine.IsCommitted.Should().BeTrue();
        scope.Complete();
        scope.Dispose();

        try
        {
            // Whatever the store did with the ambient transactions, a reader that gets a position above the other writer's
            // must get the other writer's too: it never skips a lower position that commits later.
            var read = await Task.Run(() => store.ReadEventsAsync(before, 100).AsTask());
            otherPosition.Should().BeLessThan(mine.EventPositions[0]);
            if (read.Any(e => e.Position > otherPosition))
            {
                read.Select(e => e.Position).Should().Contain(otherPosition, "position {0} is lower than one the reader got", otherPosition);
            }
        }
        finally
        {
            releaseOther.SetResult();
            await other;
        }
    }

    [PostgresFact]
    public async Task CommitAsync_InsideAmbientTransaction_NotificationIsSentOutsideIt()
    {
        var store = NewStore();
        (await store.CommitAsync(StoreTestData.Start("org", "PO-0").Commit)).IsCommitted.Should().BeTrue();
        await using var dataSource = NpgsqlDataSource.Create(PostgresDatabase.RequireConnectionString());
        await using var listener = await dataSource.OpenConnectionAsync();
        var notified = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        listener.Notification += (_, _) => notified.TrySetResult();
        await using (var listen = new NpgsqlCommand($"LISTEN \"loopengine_events_{_schema}\";", listener))
        {
            await listen.ExecuteNonQueryAsync();
        }

        // The host's transaction stays open (and is rolled back): the committed events must still be announced.
        using (new TransactionScope(TransactionScopeAsyncFlowOption.Enabled))
        {
            (await store.CommitAsync(new StoreCommit { OrgId = "org", Events = [StoreTestData.Event("org", "PO-1")] })).IsCommitted.Should().BeTrue();
            var received = await Task.Run(async () =>
            {
                using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                while (!notified.Task.IsCompleted && !wait.IsCancellationRequested)
                {
                    await listener.WaitAsync(TimeSpan.FromMilliseconds(200));
                }

                return notified.Task.IsCompleted;
            });
            received.Should().BeTrue("the notification belongs to the commit, not to the caller's transaction");
        }
    }

    [PostgresFact]
    public async Task CommitAsync_ReservationFailsAfterTakingTheEventLock_LockIsNotLeftHeldOnThePooledConnection()
    {
        var store = NewStore();
        (await store.CommitAsync(StoreTestData.Start("org", "PO-0").Commit)).IsCommitted.Should().BeTrue();

        await using var dataSource = NpgsqlDataSource.Create(PostgresDatabase.RequireConnectionString());
        await using var admin = await dataSource.OpenConnectionAsync();
        string sequence;
        await using (var find = new NpgsqlCommand($"SELECT pg_get_serial_sequence('\"{_schema}\".events', 'position');", admin))
        {
            sequence = (string)(await find.ExecuteScalarAsync())!;
        }

        // The sequence cannot give the positions: the statement fails after pg_advisory_lock and before pg_advisory_unlock.
        await using (var exhaust = new NpgsqlCommand($"SELECT setval('{sequence}', 1000); ALTER SEQUENCE {sequence} MAXVALUE 1000;", admin))
        {
            await exhaust.ExecuteNonQueryAsync();
        }

        var failing = () => store.CommitAsync(new StoreCommit { OrgId = "org", Events = [StoreTestData.Event("org", "PO-1"), StoreTestData.Event("org", "PO-1")] }).AsTask();
        await failing.Should().ThrowAsync<PostgresException>();

        await using (var probe = new NpgsqlCommand("SELECT pg_try_advisory_lock($1);", admin))
        {
            probe.Parameters.Add(new NpgsqlParameter { Value = PostgreSqlMigrator.StableKey("loopengine.events." + _schema) });
            ((bool)(await probe.ExecuteScalarAsync())!).Should().BeTrue("no pooled connection of the store may keep the event lock");
        }

        await using (var restore = new NpgsqlCommand($"SELECT pg_advisory_unlock_all(); ALTER SEQUENCE {sequence} NO MAXVALUE;", admin))
        {
            await restore.ExecuteNonQueryAsync();
        }

        var next = await store.CommitAsync(new StoreCommit { OrgId = "org", Events = [StoreTestData.Event("org", "PO-2"), StoreTestData.Event("org", "PO-2")] });
        next.IsCommitted.Should().BeTrue();
        next.EventPositions.Should().Equal(next.EventPositions[0], next.EventPositions[0] + 1);
    }
}
