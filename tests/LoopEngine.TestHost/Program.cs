using LoopEngine;
using LoopEngine.Conformance;
using LoopEngine.PostgreSql;
using LoopEngine.Sqlite;

// A child process for the durable stores' crash-safety and multi-host tests.
//   sqlite-crash <file> <writers>               : writes forever on aggregates W0..Wn, printing "ACK <aggregate> <sequence>" after each acknowledged commit
//   sqlite-writer <file> <aggregate> <count> <host> : appends <count> commits with read-version-then-commit retry, then prints "DONE <committed> <conflicts>"
//   pg-writer <schema> <host> <aggregates> <count> : the same on PostgreSQL (LOOPENGINE_POSTGRES), aggregates comma-separated, tagging evidence with <host>
var mode = args.Length > 0 ? args[0] : string.Empty;
var output = Console.Out;
switch (mode)
{
    case "sqlite-crash":
    {
        await using var store = new SqliteLoopStore(new SqliteLoopStoreOptions { ConnectionString = "Data Source=" + args[1], Synchronous = SqliteSynchronousMode.Full });
        var writers = int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture);
        var gate = new object();
        await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            var aggregate = "W" + w;
            while (true)
            {
                var sequence = await AppendAsync(store, "org", aggregate, "crash");
                lock (gate)
                {
                    output.WriteLine($"ACK {aggregate} {sequence}");
                    output.Flush();
                }
            }
        })));
        return 0;
    }

    case "sqlite-writer":
    {
        await using var store = new SqliteLoopStore("Data Source=" + args[1]);
        return await WriteManyAsync(store, [args[2]], int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture), args[4]);
    }

    case "pg-writer":
    {
        var connectionString = Environment.GetEnvironmentVariable("LOOPENGINE_POSTGRES") ?? throw new InvalidOperationException("LOOPENGINE_POSTGRES is not set.");
        await using var store = new PostgreSqlLoopStore(new PostgreSqlLoopStoreOptions { ConnectionString = connectionString, Schema = args[1] });
        return await WriteManyAsync(store, args[3].Split(','), int.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture), args[2]);
    }

    default:
        Console.Error.WriteLine("usage: LoopEngine.TestHost sqlite-crash|sqlite-writer|pg-writer ...");
        return 2;
}

async Task<int> WriteManyAsync(ILoopStore store, string[] aggregates, int count, string host)
{
    var committed = 0;
    var conflicts = 0;
    await Task.WhenAll(aggregates.Select(aggregate => Task.Run(async () =>
    {
        for (var i = 0; i < count; i++)
        {
            var tag = $"{host}-{aggregate}-{i}";
            while (true)
            {
                var (result, _) = await TryAppendAsync(store, "org", aggregate, tag);
                if (result.IsCommitted)
                {
                    Interlocked.Increment(ref committed);
                    break;
                }

                Interlocked.Increment(ref conflicts);
            }
        }
    })));
    output.WriteLine($"DONE {committed} {conflicts}");
    output.Flush();
    return 0;
}

static async Task<long> AppendAsync(ILoopStore store, string org, string aggregate, string tag)
{
    while (true)
    {
        var (result, sequence) = await TryAppendAsync(store, org, aggregate, tag);
        if (result.IsCommitted)
        {
            return sequence;
        }
    }
}

static async Task<(CommitResult Result, long Sequence)> TryAppendAsync(ILoopStore store, string org, string aggregate, string tag)
{
    var head = await StoreTestData.ReadHeadAsync(store, org, aggregate);
    if (head is null)
    {
        return (await store.CommitAsync(StoreTestData.Start(org, aggregate).Commit), 1);
    }

    var (commit, instance, _) = StoreTestData.Next(head.Value.Instance, head.Value.Last, "S", evidence: Evidence.Parse("{\"tag\":\"" + tag + "\"}"));
    return (await store.CommitAsync(commit), instance.Version);
}
