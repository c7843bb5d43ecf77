using LoopEngine.Conformance;
using LoopEngine.Stores;
using Microsoft.Data.Sqlite;

namespace LoopEngine.Sqlite.Tests;

/// <summary>R6: raw-SQL tampering with a stored trace is detected, naming the first bad or missing sequence.</summary>
public sealed class SqliteTamperEvidenceTests : IDisposable
{
    private const int Length = 12;
    private readonly TempDatabase _database = new();

    public void Dispose() => _database.Dispose();

    private static readonly string[] EditableColumns =
    [
        "evidence", "actor_id", "actor_type", "to_state", "from_state", "occurred_at", "transition_id", "correlation_id", "causation_id",
        "warnings", "loop_id", "definition_version", "previous_hash", "hash", "actor_confidence", "recommendation_id",
    ];

    [Fact]
    public async Task Verify_ThousandRandomTamperings_DetectsEveryOneAtTheFirstBadSequence()
    {
        var exportedHeads = new Dictionary<string, TraceHead>();
        await using (var store = new SqliteLoopStore(_database.ConnectionString()))
        {
            foreach (var aggregate in new[] { "A", "B", "C" })
            {
                var (commit, instance, record) = StoreTestData.Start("org", aggregate, actor: Actor.AiAgent("agent", "m", "p", 0.5));
                (await store.CommitAsync(commit)).IsCommitted.Should().BeTrue();
                for (var i = 2; i <= Length; i++)
                {
                    (commit, instance, record) = StoreTestData.Next(instance, record, "S" + i, actor: i % 2 == 0 ? Actor.Human("h" + i) : Actor.AiAgent("a" + i, confidence: 0.25));
                    (await store.CommitAsync(commit)).IsCommitted.Should().BeTrue();
                }

                exportedHeads[aggregate] = instance.Head;
            }
        }

        var random = new Random(6);
        using var connection = new SqliteConnection(_database.ConnectionString());
        connection.Open();
        var kinds = new Dictionary<string, int>();
        for (var iteration = 0; iteration < 1000; iteration++)
        {
            var aggregate = new[] { "A", "B", "C" }[random.Next(3)];
            using var transaction = connection.BeginTransaction();
            var (kind, expectedFirstBad, againstExported) = Tamper(connection, aggregate, random);
            kinds[kind] = kinds.GetValueOrDefault(kind) + 1;

            var records = ReadTrace(connection, aggregate);
            var head = againstExported ? exportedHeads[aggregate] : ReadHead(connection, aggregate);
            var result = TraceVerifier.Verify(records, head, headIsCurrent: !againstExported);

            result.IsValid.Should().BeFalse("tampering {0} of {1} must be detected", kind, aggregate);
            result.FirstBadSequence.Should().Be(expectedFirstBad, "tampering {0} of {1}: {2}", kind, aggregate, result.Message);
            transaction.Rollback();
        }

        kinds.Keys.Should().BeEquivalentTo(["edit", "delete", "delete-tail", "delete-tail-and-head", "swap", "forge"]);
        TraceVerifier.Verify(ReadTrace(connection, "A"), ReadHead(connection, "A")).IsValid.Should().BeTrue("every tampering was rolled back");
    }

    private static (string Kind, long FirstBad, bool AgainstExported) Tamper(SqliteConnection connection, string aggregate, Random random)
    {
        switch (random.Next(6))
        {
            case 0:
            {
                var sequence = random.Next(1, Length + 1);
                var column = EditableColumns[random.Next(EditableColumns.Length)];
                object value = column switch
                {
                    "evidence" => "{\"step\":999}",
                    "warnings" => "[{\"guardId\":\"forged\",\"message\":\"x\"}]",
                    "actor_type" => sequence % 2 == 0 ? "system" : "ai-agent",
                    "occurred_at" => "2030-01-01T00:00:00.000Z",
                    "previous_hash" or "hash" => new string('f', 64),
                    "actor_confidence" => 0.75,
                    _ => "forged '; --",
                };
                if (column == "actor_type" && sequence % 2 != 0)
                {
                    // An AI agent relabelled as a human keeps its confidence, which a human cannot carry: relabel as automation without one.
                    Execute(connection, "UPDATE trace_records SET actor_type = 'automation', actor_confidence = NULL, actor_model_id = NULL, actor_provider = NULL WHERE org = 'org' AND aggregate = $a AND sequence = $s;", aggregate, sequence);
                }
                else if (column == "actor_confidence" && sequence % 2 == 0 && sequence != 1)
                {
                    Execute(connection, "UPDATE trace_records SET actor_type = 'ai-agent', actor_confidence = 0.75 WHERE org = 'org' AND aggregate = $a AND sequence = $s;", aggregate, sequence);
                }
                else
                {
                    Execute(connection, $"UPDATE trace_records SET {column} = $v WHERE org = 'org' AND aggregate = $a AND sequence = $s;", aggregate, sequence, value);
                }

                return ("edit", sequence, false);
            }

            case 1:
            {
                var sequence = random.Next(1, Length);
                Execute(connection, "DELETE FROM trace_records WHERE org = 'org' AND aggregate = $a AND sequence = $s;", aggregate, sequence);
                return ("delete", sequence, false);
            }

            case 2:
            {
                var from = random.Next(2, Length + 1);
                Execute(connection, "DELETE FROM trace_records WHERE org = 'org' AND aggregate = $a AND sequence >= $s;", aggregate, from);
                return ("delete-tail", from, false);
            }

            case 3:
            {
                // The attacker also rewinds the instance's head: only an exported head catches it.
                var from = random.Next(2, Length + 1);
                Execute(connection, "DELETE FROM trace_records WHERE org = 'org' AND aggregate = $a AND sequence >= $s;", aggregate, from);
                Execute(connection, "UPDATE instances SET version = $s - 1, head_hash = (SELECT hash FROM trace_records WHERE org = 'org' AND aggregate = $a AND sequence = $s - 1) WHERE org = 'org' AND aggregate = $a;", aggregate, from);
                return ("delete-tail-and-head", from, true);
            }

            case 4:
            {
                var i = random.Next(1, Length);
                var j = random.Next(i + 1, Length + 1);
                Execute(connection, "UPDATE trace_records SET sequence = -1 WHERE org = 'org' AND aggregate = $a AND sequence = $s;", aggregate, i);
                Execute(connection, "UPDATE trace_records SET sequence = $v WHERE org = 'org' AND aggregate = $a AND sequence = $s;", aggregate, j, i);
                Execute(connection, "UPDATE trace_records SET sequence = $v WHERE org = 'org' AND aggregate = $a AND sequence = -1;", aggregate, 0, j);
                return ("swap", i, false);
            }

            default:
            {
                // A forged record with a correct hash, chained to the real last one: it goes past the instance's head.
                var last = ReadTrace(connection, aggregate)[^1];
                var forged = StoreTestData.Record("org", aggregate, Length + 1, last.Hash, last.ToState, "FORGED", last.OccurredAt.AddSeconds(1), last.LoopId);
                using var insert = connection.CreateCommand();
                insert.CommandText = $"INSERT INTO trace_records ({StoreRows.RecordColumns}) VALUES ({StoreRows.RecordParameters});";
                foreach (var name in StoreRows.RecordParameterNames)
                {
                    insert.Parameters.Add(new SqliteParameter(name, DBNull.Value));
                }

                StoreRows.BindRecord((name, value) => insert.Parameters[name].Value = value, "org", forged);
                insert.ExecuteNonQuery();
                return ("forge", Length + 1, false);
            }
        }
    }

    private static void Execute(SqliteConnection connection, string sql, string aggregate, long sequence, object? value = null)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$a", aggregate);
        command.Parameters.AddWithValue("$s", sequence);
        if (sql.Contains("$v", StringComparison.Ordinal))
        {
            command.Parameters.AddWithValue("$v", value ?? DBNull.Value);
        }

        command.ExecuteNonQuery();
    }

    private static List<TransitionRecord> ReadTrace(SqliteConnection connection, string aggregate)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {StoreRows.RecordColumns} FROM trace_records WHERE org = 'org' AND aggregate = $a ORDER BY sequence;";
        command.Parameters.AddWithValue("$a", aggregate);
        using var reader = command.ExecuteReader();
        var records = new List<TransitionRecord>();
        while (reader.Read())
        {
            records.Add(StoreRows.ReadRecord(reader));
        }

        return records;
    }

    private static TraceHead ReadHead(SqliteConnection connection, string aggregate)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT version, head_hash FROM instances WHERE org = 'org' AND aggregate = $a;";
        command.Parameters.AddWithValue("$a", aggregate);
        using var reader = command.ExecuteReader();
        reader.Read().Should().BeTrue();
        return new TraceHead("org", aggregate, reader.GetInt64(0), reader.GetString(1));
    }
}
