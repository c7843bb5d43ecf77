using System.Text;
using LoopEngine.Stores;
using Npgsql;
using NpgsqlTypes;

namespace LoopEngine.PostgreSql;

/// <summary>
/// The statements every transition's commit sends (events, instance insert or checked update, trace record insert), with
/// positional, typed parameters bound straight from the rows: no per-commit SQL lookup, no boxing of non-null values, and
/// no type inference by Npgsql. The column lists here are the statements' own; reads keep using <see cref="StoreRows"/>.
/// </summary>
public sealed partial class PostgreSqlLoopStore
{
    /// <summary>The instance columns in the order of <see cref="AddInstance"/>; <c>org</c> and <c>aggregate</c> come first.</summary>
    private static readonly string[] InstanceWriteColumns =
    [
        "org", "aggregate", "loop_id", "definition_version", "current_state", "status", "version", "correlation_id", "opened_at",
        "updated_at", "closed_at", "head_hash", "parent_loop_id", "parent_aggregate_id", "pending_recommendation_count",
    ];

    /// <summary>The event columns in the order of <see cref="InsertEventsCommand"/> (the position and the transaction id are not parameters).</summary>
    private static readonly string[] EventWriteColumns = ["event_id", "type", "org", "loop_id", "aggregate", "correlation_id", "occurred_at", "json"];

    /// <summary>The trace record columns in the order of <see cref="AddRecord"/>.</summary>
    private static readonly string[] RecordWriteColumns =
    [
        "org", "aggregate", "sequence", "loop_id", "definition_version", "transition_id", "from_state", "to_state",
        "actor_type", "actor_id", "actor_model_id", "actor_provider", "actor_confidence", "occurred_at", "evidence",
        "correlation_id", "causation_id", "warnings", "recommendation_id", "recommender_type", "recommender_id",
        "recommender_model_id", "recommender_provider", "recommender_confidence", "recommendation_evidence", "previous_hash", "hash",
    ];

    private string InsertInstanceSql => field ??=
        $"INSERT INTO {_s}.instances ({string.Join(", ", InstanceWriteColumns)}) VALUES ({Placeholders(InstanceWriteColumns.Length)});";

    // The version check fails the statement (and with it the batch's implicit transaction) when no row has the expected version.
    private string UpdateInstanceSql => field ??= BuildUpdateInstanceSql();

    private string InsertRecordSql => field ??=
        $"INSERT INTO {_s}.trace_records ({string.Join(", ", RecordWriteColumns)}) VALUES ({Placeholders(RecordWriteColumns.Length)});";

    private string InsertHoldingRecordSql => field ??=
        $"INSERT INTO {_s}.trace_records ({string.Join(", ", RecordWriteColumns)}, event_position, tx, {StoreRows.HeldPairIdColumns}) " +
        $"VALUES ({Placeholders(RecordWriteColumns.Length)}, currval({SequenceLiteral}) - ${RecordWriteColumns.Length + 1}, pg_current_xact_id(), " +
        $"${RecordWriteColumns.Length + 2}, ${RecordWriteColumns.Length + 3}, ${RecordWriteColumns.Length + 4}, ${RecordWriteColumns.Length + 5}, ${RecordWriteColumns.Length + 6});";

    private string BuildUpdateInstanceSql()
    {
        var set = new StringBuilder();
        for (var i = 2; i < InstanceWriteColumns.Length; i++)
        {
            set.Append(i == 2 ? string.Empty : ", ").Append(InstanceWriteColumns[i]).Append(" = $").Append(i + 1);
        }

        // A null expected pending recommendation count (a writer that checks the version only) matches any stored count.
        var version = InstanceWriteColumns.Length + 1;
        return $"WITH updated AS (UPDATE {_s}.instances SET {set} WHERE org = $1 AND aggregate = $2 AND version = ${version} " +
            $"AND pending_recommendation_count = coalesce(${version + 1}, pending_recommendation_count) RETURNING 1) SELECT 1 / count(*) FROM updated;";
    }

    private static string Placeholders(int count)
    {
        var text = new StringBuilder();
        for (var i = 1; i <= count; i++)
        {
            text.Append(i == 1 ? "$" : ", $").Append(i);
        }

        return text.ToString();
    }

    /// <summary>
    /// One multi-row insert of a commit's events that no trace record holds, at the positions the reservation took:
    /// <c>currval</c> is this session's last position, and each row's first parameter is its distance from it (the k-th of
    /// n events has <c>currval - (n - 1 - k)</c>). The transaction id column's default reads the id the reservation assigned.
    /// </summary>
    private string InsertEventsSql(int rows)
    {
        if (rows <= MaxCachedEventCount && _insertEventsSql[rows] is { } cached)
        {
            return cached;
        }

        var perRow = EventWriteColumns.Length + 1;
        var sql = new StringBuilder($"INSERT INTO {_s}.events (position, {string.Join(", ", EventWriteColumns)}) OVERRIDING SYSTEM VALUE VALUES ");
        for (var k = 0; k < rows; k++)
        {
            var p = k * perRow;
            sql.Append(k == 0 ? "(" : ", (").Append("currval(").Append(SequenceLiteral).Append(") - $").Append(p + 1);
            for (var i = 2; i <= perRow; i++)
            {
                sql.Append(", $").Append(p + i);
            }

            sql.Append(')');
        }

        var text = sql.Append(';').ToString();
        if (rows <= MaxCachedEventCount)
        {
            _insertEventsSql[rows] = text;
        }

        return text;
    }

    /// <summary>The insert of the commit's events that no trace record holds, or <see langword="null"/> when records hold them all.</summary>
    private NpgsqlBatchCommand? InsertEventsCommand(IReadOnlyList<LoopEvent> events, ExecutedEventPair.Held[]? held)
    {
        var rows = 0;
        for (var i = 0; i < events.Count; i++)
        {
            rows += ExecutedEventPair.IsHeld(held, i) ? 0 : 1;
        }

        if (rows == 0)
        {
            return null;
        }

        var command = new NpgsqlBatchCommand(InsertEventsSql(rows));
        var parameters = command.Parameters;
        for (var i = 0; i < events.Count; i++)
        {
            if (ExecutedEventPair.IsHeld(held, i))
            {
                continue;
            }

            var e = events[i];
            parameters.Add(Int8(events.Count - 1 - i));
            parameters.Add(Text(e.EventId));
            parameters.Add(Text(e.Type));
            parameters.Add(Text(e.OrgId));
            parameters.Add(Text(e.LoopId));
            parameters.Add(Text(e.AggregateId));
            parameters.Add(Text(e.CorrelationId));
            parameters.Add(Int8(StoreRows.Ticks(e.OccurredAt)));
            parameters.Add(Text(e.Json));
        }

        return command;
    }

    private NpgsqlBatchCommand InstanceCommand(string org, InstanceWrite write)
    {
        if (write.ExpectedVersion == 0)
        {
            var insert = new NpgsqlBatchCommand(InsertInstanceSql);
            AddInstance(insert.Parameters, org, write.Instance);
            return insert;
        }

        var update = new NpgsqlBatchCommand(UpdateInstanceSql);
        AddInstance(update.Parameters, org, write.Instance);
        update.Parameters.Add(Int8(write.ExpectedVersion));
        update.Parameters.Add(NullableInt8(write.ExpectedPendingRecommendationCount));
        return update;
    }

    private NpgsqlBatchCommand RecordCommand(string org, TransitionRecord record, ExecutedEventPair.Held? held, IReadOnlyList<LoopEvent> events)
    {
        if (held is not { } pair)
        {
            var command = new NpgsqlBatchCommand(InsertRecordSql);
            AddRecord(command.Parameters, org, record);
            return command;
        }

        // The record holds its requested and executed events: the requested event's position (its distance from the
        // reservation's last), the transaction id the events' rows would carry, their ids and the executed event's duration.
        var holding = new NpgsqlBatchCommand(InsertHoldingRecordSql);
        var p = holding.Parameters;
        AddRecord(p, org, record);
        var (rqHigh, rqLow) = events[pair.Index].IdBits;
        var (exHigh, exLow) = events[pair.Index + 1].IdBits;
        p.Add(Int8(events.Count - 1 - pair.Index));
        p.Add(Int8(unchecked((long)rqHigh)));
        p.Add(Int8(unchecked((long)rqLow)));
        p.Add(Int8(unchecked((long)exHigh)));
        p.Add(Int8(unchecked((long)exLow)));
        p.Add(Int8(pair.DurationMs));
        return holding;
    }

    private static void AddInstance(NpgsqlParameterCollection p, string org, LoopInstance i)
    {
        p.Add(Text(org));
        p.Add(Text(i.AggregateId));
        p.Add(Text(i.LoopId));
        p.Add(Text(i.DefinitionVersion));
        p.Add(Text(i.CurrentState));
        p.Add(Int8((long)i.Status));
        p.Add(Int8(i.Version));
        p.Add(Text(i.CorrelationId));
        p.Add(Int8(StoreRows.Ticks(i.OpenedAt)));
        p.Add(Int8(StoreRows.Ticks(i.UpdatedAt)));
        p.Add(NullableInt8(i.ClosedAt is { } closed ? StoreRows.Ticks(closed) : null));
        p.Add(Text(i.HeadHash));
        p.Add(NullableText(i.ParentLoopId));
        p.Add(NullableText(i.ParentAggregateId));
        p.Add(Int8(i.PendingRecommendationCount));
    }

    private static void AddRecord(NpgsqlParameterCollection p, string org, TransitionRecord t)
    {
        p.Add(Text(org));
        p.Add(Text(t.AggregateId));
        p.Add(Int8(t.Sequence));
        p.Add(Text(t.LoopId));
        p.Add(Text(t.DefinitionVersion));
        p.Add(Text(t.TransitionId));
        p.Add(NullableText(t.FromState));
        p.Add(Text(t.ToState));
        AddActor(p, t.Actor);
        p.Add(Text(TraceCanonicalizer.FormatTime(t.OccurredAt)));
        p.Add(Text(t.Evidence.Json));
        p.Add(Text(t.CorrelationId));
        p.Add(NullableText(t.CausationId));
        p.Add(Text(StoreRows.WriteWarnings(t.Warnings)));
        p.Add(NullableText(t.RecommendationId));
        AddActor(p, t.Recommender);
        p.Add(NullableText(t.RecommendationEvidence?.Json));
        p.Add(Text(t.PreviousHash));
        p.Add(Text(t.Hash));
    }

    private static void AddActor(NpgsqlParameterCollection p, Actor? actor)
    {
        p.Add(NullableText(actor?.Type.ToWireName()));
        p.Add(NullableText(actor?.Id));
        p.Add(NullableText(actor?.ModelId));
        p.Add(NullableText(actor?.Provider));
        p.Add(actor?.Confidence is { } confidence
            ? new NpgsqlParameter<double> { TypedValue = confidence, NpgsqlDbType = NpgsqlDbType.Double }
            : new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.Double });
    }

    private static NpgsqlParameter<string> Text(string value) => new() { TypedValue = value, NpgsqlDbType = NpgsqlDbType.Text };

    private static NpgsqlParameter NullableText(string? value) => value is null
        ? new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text }
        : Text(value);

    private static NpgsqlParameter<long> Int8(long value) => new() { TypedValue = value, NpgsqlDbType = NpgsqlDbType.Bigint };

    private static NpgsqlParameter NullableInt8(long? value) => value is { } v
        ? Int8(v)
        : new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint };
}
