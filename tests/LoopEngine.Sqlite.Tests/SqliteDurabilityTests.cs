using System.Collections.Concurrent;
using LoopEngine.Conformance;
using Microsoft.Data.Sqlite;

namespace LoopEngine.Sqlite.Tests;

/// <summary>R5 (crash safety) and several processes on one file.</summary>
public sealed class SqliteDurabilityTests : IDisposable
{
    private readonly TempDatabase _database = new();

    public void Dispose() => _database.Dispose();

    [Fact]
    public async Task CommitAsync_ChildKilledWithSigkill100Times_KeepsEveryAcknowledgedCommitAndAnIntactFile()
    {
        var acknowledged = new ConcurrentDictionary<string, long>();
        var random = new Random(20260301);
        var kills = 0;
        var errors = new ConcurrentQueue<string>();
        while (kills < 100)
        {
            var firstAck = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using var child = TestHostProcess.Start(line =>
            {
                var parts = line.Split(' ');
                if (parts is ["ACK", var aggregate, var sequence])
                {
                    var value = long.Parse(sequence);
                    acknowledged.AddOrUpdate(aggregate, value, (_, old) => Math.Max(old, value));
                    firstAck.TrySetResult();
                }
                else if (line.StartsWith("ERR", StringComparison.Ordinal))
                {
                    errors.Enqueue(line);
                }
            }, null, "sqlite-crash", _database.Path(), "4");

            await Task.WhenAny(firstAck.Task, child.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(20)));
            firstAck.Task.IsCompleted.Should().BeTrue("the child commits within 20 s (errors: {0})", string.Join(" | ", errors));
            await Task.Delay(random.Next(0, 120));
            child.Kill();
            await child.WaitForExitAsync();
            kills++;
        }

        errors.Should().BeEmpty();
        acknowledged.Should().NotBeEmpty();
        using (var connection = new SqliteConnection(_database.ConnectionString()))
        {
            connection.Open();
            using var check = connection.CreateCommand();
            check.CommandText = "PRAGMA integrity_check;";
            check.ExecuteScalar().Should().Be("ok");
        }

        await using var store = new SqliteLoopStore(_database.ConnectionString());
        foreach (var (aggregate, lastAcknowledged) in acknowledged)
        {
            var instance = await store.GetInstanceAsync("org", aggregate);
            instance.Should().NotBeNull();
            instance!.Version.Should().BeGreaterThanOrEqualTo(lastAcknowledged, "acknowledged commits of {0} survive SIGKILL", aggregate);
            var trace = await store.ReadTraceAsync("org", aggregate);
            var verification = TraceVerifier.Verify(trace, instance.Head);
            verification.IsValid.Should().BeTrue(verification.Message);
        }
    }

    [Fact]
    public async Task CommitAsync_TwoProcessesOnOneAggregate_LoseAndDuplicateNothing()
    {
        await using (var store = new SqliteLoopStore(_database.ConnectionString()))
        {
            (await store.CommitAsync(StoreTestData.Start("org", "HOT").Commit)).IsCommitted.Should().BeTrue();
        }

        var outputs = new ConcurrentQueue<string>();
        using var first = TestHostProcess.Start(outputs.Enqueue, null, "sqlite-writer", _database.Path(), "HOT", "100", "p1");
        using var second = TestHostProcess.Start(outputs.Enqueue, null, "sqlite-writer", _database.Path(), "HOT", "100", "p2");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await first.WaitForExitAsync(timeout.Token);
        await second.WaitForExitAsync(timeout.Token);

        first.ExitCode.Should().Be(0, string.Join(" | ", outputs));
        second.ExitCode.Should().Be(0, string.Join(" | ", outputs));
        outputs.Count(l => l.StartsWith("DONE 100 ", StringComparison.Ordinal)).Should().Be(2, string.Join(" | ", outputs));
        await using var reader = new SqliteLoopStore(_database.ConnectionString());
        var instance = await reader.GetInstanceAsync("org", "HOT");
        var trace = await reader.ReadTraceAsync("org", "HOT");
        trace.Should().HaveCount(201);
        TraceVerifier.Verify(trace, instance!.Head).IsValid.Should().BeTrue();
        var tags = trace.Skip(1).Select(r => r.Evidence.Root.GetProperty("tag").GetString()).ToList();
        tags.Should().OnlyHaveUniqueItems().And.HaveCount(200);
        tags.Should().BeEquivalentTo(Enumerable.Range(0, 100).SelectMany(i => new[] { $"p1-HOT-{i}", $"p2-HOT-{i}" }));
        var events = await reader.ReadEventsAsync(0, 1000);
        events.Should().HaveCount(201);
        events.Select(e => e.Position).Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
    }
}
