using System.Buffers;
using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Text.Json;
using LoopEngine.Learning;

namespace LoopEngine.Stores;

/// <summary>
/// The row layout shared by the SQL stores: column lists, parameter binding and row reading. Every hashed field of a
/// trace record is kept as the exact text the canonical form uses, so verification recomputes identical bytes.
/// Times other than a record's are stored as UTC ticks (exact, sortable).
/// </summary>
internal static class StoreRows
{
    /// <summary>Reads every row of a reader into a list, then disposes the reader.</summary>
    public static async ValueTask<List<T>> ReadAllAsync<TReader, T>(TReader reader, Func<TReader, T> read, CancellationToken cancellationToken)
        where TReader : DbDataReader
    {
        await using (reader.ConfigureAwait(false))
        {
            var items = new List<T>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                items.Add(read(reader));
            }

            return items;
        }
    }

    public const string InstanceColumns = "org, aggregate, loop_id, definition_version, current_state, status, version, correlation_id, opened_at, updated_at, closed_at, head_hash, parent_loop_id, parent_aggregate_id, pending_recommendation_count";
    public const string InstanceParameters = "@org, @aggregate, @loop_id, @definition_version, @current_state, @status, @version, @correlation_id, @opened_at, @updated_at, @closed_at, @head_hash, @parent_loop_id, @parent_aggregate_id, @pending_recommendation_count";
    public const string InstanceUpdateSet = "loop_id = @loop_id, definition_version = @definition_version, current_state = @current_state, status = @status, version = @version, correlation_id = @correlation_id, opened_at = @opened_at, updated_at = @updated_at, closed_at = @closed_at, head_hash = @head_hash, parent_loop_id = @parent_loop_id, parent_aggregate_id = @parent_aggregate_id, pending_recommendation_count = @pending_recommendation_count";

    public const string RecordColumns = "org, aggregate, sequence, loop_id, definition_version, transition_id, from_state, to_state, actor_type, actor_id, actor_model_id, actor_provider, actor_confidence, occurred_at, evidence, correlation_id, causation_id, warnings, recommendation_id, recommender_type, recommender_id, recommender_model_id, recommender_provider, recommender_confidence, recommendation_evidence, previous_hash, hash";
    public const string RecordParameters = "@org, @aggregate, @sequence, @loop_id, @definition_version, @transition_id, @from_state, @to_state, @actor_type, @actor_id, @actor_model_id, @actor_provider, @actor_confidence, @occurred_at, @evidence, @correlation_id, @causation_id, @warnings, @recommendation_id, @recommender_type, @recommender_id, @recommender_model_id, @recommender_provider, @recommender_confidence, @recommendation_evidence, @previous_hash, @hash";

    public const string RecommendationColumns = "org, id, loop_id, aggregate, transition_id, from_state, instance_version, recommender_type, recommender_id, recommender_model_id, recommender_provider, recommender_confidence, evidence, reasoning, correlation_id, created_at, expires_at, status, decided_at, decided_by_type, decided_by_id, decided_by_model_id, decided_by_provider, decided_by_confidence, decision_reason, executed_sequence";
    public const string RecommendationParameters = "@org, @id, @loop_id, @aggregate, @transition_id, @from_state, @instance_version, @recommender_type, @recommender_id, @recommender_model_id, @recommender_provider, @recommender_confidence, @evidence, @reasoning, @correlation_id, @created_at, @expires_at, @status, @decided_at, @decided_by_type, @decided_by_id, @decided_by_model_id, @decided_by_provider, @decided_by_confidence, @decision_reason, @executed_sequence";
    public const string RecommendationUpdateSet = "loop_id = excluded.loop_id, aggregate = excluded.aggregate, transition_id = excluded.transition_id, from_state = excluded.from_state, instance_version = excluded.instance_version, recommender_type = excluded.recommender_type, recommender_id = excluded.recommender_id, recommender_model_id = excluded.recommender_model_id, recommender_provider = excluded.recommender_provider, recommender_confidence = excluded.recommender_confidence, evidence = excluded.evidence, reasoning = excluded.reasoning, correlation_id = excluded.correlation_id, created_at = excluded.created_at, expires_at = excluded.expires_at, status = excluded.status, decided_at = excluded.decided_at, decided_by_type = excluded.decided_by_type, decided_by_id = excluded.decided_by_id, decided_by_model_id = excluded.decided_by_model_id, decided_by_provider = excluded.decided_by_provider, decided_by_confidence = excluded.decided_by_confidence, decision_reason = excluded.decision_reason, executed_sequence = excluded.executed_sequence";

    public const string EventColumns = "position, event_id, type, org, loop_id, aggregate, correlation_id, occurred_at, json";
    public const string EventInsertColumns = "event_id, type, org, loop_id, aggregate, correlation_id, occurred_at, json";
    public const string EventParameters = "@event_id, @type, @org, @loop_id, @aggregate, @correlation_id, @occurred_at, @json";

    public const string IdempotencyColumns = "org, aggregate, key, request_hash, sequence, recommendation_id, created_at";
    public const string IdempotencyParameters = "@org, @aggregate, @key, @request_hash, @sequence, @recommendation_id, @created_at";

    public const string TimerColumns = "org, aggregate, kind, key, due_at, loop_id, instance_version, state, lease_owner, lease_expires_at, attempts";
    public const string TimerParameters = "@org, @aggregate, @kind, @key, @due_at, @loop_id, @instance_version, @state, NULL, NULL, 0";
    public const string TimerUpsertSet = "due_at = excluded.due_at, loop_id = excluded.loop_id, instance_version = excluded.instance_version, state = excluded.state, lease_owner = NULL, lease_expires_at = NULL, attempts = 0";
    public const string TimerOrder = "due_at, org, aggregate, kind, key";

    /// <summary>The parameter names of each row kind, for commands prepared once and reused.</summary>
    public static readonly string[] InstanceParameterNames = Names(InstanceParameters);
    public static readonly string[] RecordParameterNames = Names(RecordParameters);
    public static readonly string[] RecommendationParameterNames = Names(RecommendationParameters);
    public static readonly string[] EventParameterNames = Names(EventParameters);
    public static readonly string[] IdempotencyParameterNames = Names(IdempotencyParameters);

    public static readonly string[] TimerParameterNames = ["@org", "@aggregate", "@kind", "@key", "@due_at", "@loop_id", "@instance_version", "@state"];

    private static string[] Names(string parameters) => parameters.Split(", ", StringSplitOptions.TrimEntries);

    public static object Db(object? value) => value ?? DBNull.Value;

    public static long Ticks(DateTimeOffset time) => time.UtcTicks;

    public static DateTimeOffset Time(long ticks) => new(ticks, TimeSpan.Zero);

    public static void BindInstance(Action<string, object> set, LoopInstance i)
    {
        set("@org", i.OrgId);
        set("@aggregate", i.AggregateId);
        set("@loop_id", i.LoopId);
        set("@definition_version", i.DefinitionVersion);
        set("@current_state", i.CurrentState);
        set("@status", (long)i.Status);
        set("@version", i.Version);
        set("@correlation_id", i.CorrelationId);
        set("@opened_at", Ticks(i.OpenedAt));
        set("@updated_at", Ticks(i.UpdatedAt));
        set("@closed_at", Db(i.ClosedAt is { } c ? Ticks(c) : null));
        set("@head_hash", i.HeadHash);
        set("@parent_loop_id", Db(i.ParentLoopId));
        set("@parent_aggregate_id", Db(i.ParentAggregateId));
        set("@pending_recommendation_count", (long)i.PendingRecommendationCount);
    }

    /// <summary>The learning stores' outcome columns, in the order <see cref="ReadOutcome"/> reads them.</summary>
    public const string OutcomeColumns =
        "org, aggregate, loop_id, definition_version, correlation_id, outcome_id, value_unit, status, final_state, opened_at, opened_offset, " +
        "closed_at, closed_offset, recorded_at, recorded_offset, event_id, metrics";

    /// <summary>Reads an outcome row of <see cref="OutcomeColumns"/> (times as UTC ticks beside the offset in minutes).</summary>
    public static LoopOutcome ReadOutcome(DbDataReader r) => new()
    {
        OrgId = r.GetString(0),
        AggregateId = r.GetString(1),
        LoopId = r.GetString(2),
        DefinitionVersion = r.GetString(3),
        CorrelationId = r.GetString(4),
        OutcomeId = r.GetString(5),
        ValueUnit = r.GetString(6),
        Status = (LoopStatus)r.GetInt64(7),
        FinalState = r.GetString(8),
        OpenedAt = TimeWithOffset(r.GetInt64(9), r.GetInt32(10)),
        ClosedAt = TimeWithOffset(r.GetInt64(11), r.GetInt32(12)),
        RecordedAt = TimeWithOffset(r.GetInt64(13), r.GetInt32(14)),
        EventId = r.GetString(15),
        Metrics = StoredMetricsJson.Read(r.GetString(16)),
    };

    /// <summary>A time stored as UTC ticks and its offset in minutes, read back exactly.</summary>
    public static DateTimeOffset TimeWithOffset(long utcTicks, int offsetMinutes) =>
        new DateTimeOffset(utcTicks, TimeSpan.Zero).ToOffset(TimeSpan.FromMinutes(offsetMinutes));

    public static LoopInstance ReadInstance(DbDataReader r) => new()
    {
        OrgId = r.GetString(0),
        AggregateId = r.GetString(1),
        LoopId = r.GetString(2),
        DefinitionVersion = r.GetString(3),
        CurrentState = r.GetString(4),
        Status = (LoopStatus)r.GetInt64(5),
        Version = r.GetInt64(6),
        CorrelationId = r.GetString(7),
        OpenedAt = Time(r.GetInt64(8)),
        UpdatedAt = Time(r.GetInt64(9)),
        ClosedAt = r.IsDBNull(10) ? null : Time(r.GetInt64(10)),
        HeadHash = r.GetString(11),
        ParentLoopId = r.IsDBNull(12) ? null : r.GetString(12),
        ParentAggregateId = r.IsDBNull(13) ? null : r.GetString(13),
        PendingRecommendationCount = checked((int)r.GetInt64(14)),
    };

    /// <summary>Binds a timer to schedule, in <paramref name="orgId"/>; its lease fields are not bound (a scheduled timer is unclaimed).</summary>
    public static void BindTimer(Action<string, object> set, string orgId, LoopTimer t)
    {
        set("@org", orgId);
        set("@aggregate", t.AggregateId);
        set("@kind", t.Kind);
        set("@key", t.Key);
        set("@due_at", Ticks(t.DueAt));
        set("@loop_id", t.LoopId);
        set("@instance_version", t.InstanceVersion);
        set("@state", Db(t.State));
    }

    public static LoopTimer ReadTimer(DbDataReader r) => new()
    {
        OrgId = r.GetString(0),
        AggregateId = r.GetString(1),
        Kind = r.GetString(2),
        Key = r.GetString(3),
        DueAt = Time(r.GetInt64(4)),
        LoopId = r.GetString(5),
        InstanceVersion = r.GetInt64(6),
        State = r.IsDBNull(7) ? null : r.GetString(7),
        LeaseOwner = r.IsDBNull(8) ? null : r.GetString(8),
        LeaseExpiresAt = r.IsDBNull(9) ? null : Time(r.GetInt64(9)),
        Attempts = checked((int)r.GetInt64(10)),
    };

    /// <summary>Orders timers earliest due first, then by identity (ordinal), as every store does.</summary>
    public static List<LoopTimer> SortTimers(IEnumerable<LoopTimer> timers) =>
        [.. timers.OrderBy(t => t.DueAt.UtcTicks).ThenBy(t => t.OrgId, StringComparer.Ordinal).ThenBy(t => t.AggregateId, StringComparer.Ordinal)
            .ThenBy(t => t.Kind, StringComparer.Ordinal).ThenBy(t => t.Key, StringComparer.Ordinal)];

    public static void BindRecord(Action<string, object> set, string orgId, TransitionRecord t)
    {
        set("@org", orgId);
        set("@aggregate", t.AggregateId);
        set("@sequence", t.Sequence);
        set("@loop_id", t.LoopId);
        set("@definition_version", t.DefinitionVersion);
        set("@transition_id", t.TransitionId);
        set("@from_state", Db(t.FromState));
        set("@to_state", t.ToState);
        BindActor(set, "@actor", t.Actor);
        set("@occurred_at", TraceCanonicalizer.FormatTime(t.OccurredAt));
        set("@evidence", t.Evidence.Json);
        set("@correlation_id", t.CorrelationId);
        set("@causation_id", Db(t.CausationId));
        set("@warnings", WriteWarnings(t.Warnings));
        set("@recommendation_id", Db(t.RecommendationId));
        BindActor(set, "@recommender", t.Recommender);
        set("@recommendation_evidence", Db(t.RecommendationEvidence?.Json));
        set("@previous_hash", t.PreviousHash);
        set("@hash", t.Hash);
    }

    public static TransitionRecord ReadRecord(DbDataReader r) => new()
    {
        OrgId = r.GetString(0),
        AggregateId = r.GetString(1),
        Sequence = r.GetInt64(2),
        LoopId = r.GetString(3),
        DefinitionVersion = r.GetString(4),
        TransitionId = r.GetString(5),
        FromState = r.IsDBNull(6) ? null : r.GetString(6),
        ToState = r.GetString(7),
        Actor = ReadActor(r, 8)!,
        OccurredAt = ReadTraceTime(r, 13),
        Evidence = ReadEvidence(r.GetString(14)),
        CorrelationId = r.GetString(15),
        CausationId = r.IsDBNull(16) ? null : r.GetString(16),
        Warnings = ReadWarnings(r.GetString(17)),
        RecommendationId = r.IsDBNull(18) ? null : r.GetString(18),
        Recommender = ReadActor(r, 19),
        RecommendationEvidence = r.IsDBNull(24) ? null : ReadEvidence(r.GetString(24)),
        PreviousHash = r.GetString(25),
        Hash = r.GetString(26),
    };

    /// <summary>Reads a trace record's time, stored as its canonical text (<see cref="TraceCanonicalizer.FormatTime"/>).</summary>
    private static DateTimeOffset ReadTraceTime(DbDataReader r, int ordinal) =>
        DateTimeOffset.ParseExact(r.GetString(ordinal), "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    /// <summary>
    /// The trace record columns a held requested + executed pair is written again from (see
    /// <see cref="ExecutedEventPair"/>), in the order <see cref="ReadHeldPair"/> reads them; the store's position, ids and
    /// duration columns follow.
    /// </summary>
    public const string HeldPairRecordColumns =
        "org, aggregate, loop_id, transition_id, from_state, to_state, actor_type, actor_id, actor_model_id, actor_provider, actor_confidence, " +
        "occurred_at, evidence, correlation_id, causation_id";

    /// <summary>The columns beside a trace record that hold its requested and executed events' ids and the executed event's duration.</summary>
    public const string HeldPairIdColumns = "requested_id_high, requested_id_low, executed_id_high, executed_id_low, duration_ms";

    /// <summary>
    /// Merges a store's two sources of events after <paramref name="after"/>, each in position order: the events table's
    /// and the held pairs' (a pair whose requested event is at <paramref name="after"/> gives only its executed event).
    /// </summary>
    public static List<LoopEvent> MergeHeld(List<LoopEvent> table, List<(LoopEvent Requested, LoopEvent Executed)> pairs, long after, int max)
    {
        if (pairs.Count == 0)
        {
            return table;
        }

        var held = new List<LoopEvent>(pairs.Count * 2);
        foreach (var (requested, executed) in pairs)
        {
            if (requested.Position > after)
            {
                held.Add(requested);
            }

            held.Add(executed);
        }

        var merged = new List<LoopEvent>(Math.Min(max, table.Count + held.Count));
        int t = 0, h = 0;
        while (merged.Count < max && (t < table.Count || h < held.Count))
        {
            merged.Add(h == held.Count || (t < table.Count && table[t].Position < held[h].Position) ? table[t++] : held[h++]);
        }

        return merged;
    }

    private static readonly int HeldPairRecordColumnCount = HeldPairRecordColumns.Split(',').Length;

    /// <summary>
    /// Reads a held pair: <see cref="HeldPairRecordColumns"/> from column <paramref name="at"/>, then the requested event's
    /// position, the two ids (high and low 64 bits each) and the executed event's duration.
    /// </summary>
    public static (LoopEvent Requested, LoopEvent Executed) ReadHeldPair(DbDataReader r, int at)
    {
        var occurredAt = ReadTraceTime(r, at + 11);
        var k = at + HeldPairRecordColumnCount;
        var stored = new ExecutedEventPair.StoredPair(r.GetString(at + 3), r.GetString(at + 4), r.GetString(at + 5), ReadActor(r, at + 6)!, r.GetString(at + 12), occurredAt, r.GetInt64(k + 5));
        return ExecutedEventPair.FromStored(
            (r.GetString(at), r.GetString(at + 2), r.GetString(at + 1), r.GetString(at + 13), r.IsDBNull(at + 14) ? null : r.GetString(at + 14), occurredAt),
            stored,
            (unchecked((ulong)r.GetInt64(k + 1)), unchecked((ulong)r.GetInt64(k + 2))),
            (unchecked((ulong)r.GetInt64(k + 3)), unchecked((ulong)r.GetInt64(k + 4))),
            r.GetInt64(k));
    }

    public static void BindRecommendation(Action<string, object> set, string orgId, Recommendation c)
    {
        set("@org", orgId);
        set("@id", c.Id);
        set("@loop_id", c.LoopId);
        set("@aggregate", c.AggregateId);
        set("@transition_id", c.TransitionId);
        set("@from_state", c.FromState);
        set("@instance_version", c.InstanceVersion);
        BindActor(set, "@recommender", c.Recommender);
        set("@evidence", c.Evidence.Json);
        set("@reasoning", Db(c.Reasoning));
        set("@correlation_id", c.CorrelationId);
        set("@created_at", Ticks(c.CreatedAt));
        set("@expires_at", Ticks(c.ExpiresAt));
        set("@status", (long)c.Status);
        set("@decided_at", Db(c.DecidedAt is { } d ? Ticks(d) : null));
        BindActor(set, "@decided_by", c.DecidedBy);
        set("@decision_reason", Db(c.DecisionReason));
        set("@executed_sequence", Db(c.ExecutedSequence));
    }

    public static Recommendation ReadRecommendation(DbDataReader r) => new()
    {
        OrgId = r.GetString(0),
        Id = r.GetString(1),
        LoopId = r.GetString(2),
        AggregateId = r.GetString(3),
        TransitionId = r.GetString(4),
        FromState = r.GetString(5),
        InstanceVersion = r.GetInt64(6),
        Recommender = ReadActor(r, 7)!,
        Evidence = ReadEvidence(r.GetString(12)),
        Reasoning = r.IsDBNull(13) ? null : r.GetString(13),
        CorrelationId = r.GetString(14),
        CreatedAt = Time(r.GetInt64(15)),
        ExpiresAt = Time(r.GetInt64(16)),
        Status = (RecommendationStatus)r.GetInt64(17),
        DecidedAt = r.IsDBNull(18) ? null : Time(r.GetInt64(18)),
        DecidedBy = ReadActor(r, 19),
        DecisionReason = r.IsDBNull(24) ? null : r.GetString(24),
        ExecutedSequence = r.IsDBNull(25) ? null : r.GetInt64(25),
    };

    public static void BindEvent(Action<string, object> set, LoopEvent e)
    {
        set("@event_id", e.EventId);
        set("@type", e.Type);
        set("@org", e.OrgId);
        set("@loop_id", e.LoopId);
        set("@aggregate", e.AggregateId);
        set("@correlation_id", e.CorrelationId);
        set("@occurred_at", Ticks(e.OccurredAt));
        set("@json", e.Json);
    }

    public static LoopEvent ReadEvent(DbDataReader r) => new()
    {
        Position = r.GetInt64(0),
        EventId = r.GetString(1),
        Type = r.GetString(2),
        OrgId = r.GetString(3),
        LoopId = r.GetString(4),
        AggregateId = r.GetString(5),
        CorrelationId = r.GetString(6),
        OccurredAt = Time(r.GetInt64(7)),
        Json = r.GetString(8),
    };

    public static void BindIdempotency(Action<string, object> set, string orgId, IdempotencyEntry e)
    {
        set("@org", orgId);
        set("@aggregate", e.AggregateId);
        set("@key", e.Key);
        set("@request_hash", e.RequestHash);
        set("@sequence", Db(e.Sequence));
        set("@recommendation_id", Db(e.RecommendationId));
        set("@created_at", Ticks(e.CreatedAt));
    }

    public static IdempotencyEntry ReadIdempotency(DbDataReader r) => new()
    {
        OrgId = r.GetString(0),
        AggregateId = r.GetString(1),
        Key = r.GetString(2),
        RequestHash = r.GetString(3),
        Sequence = r.IsDBNull(4) ? null : r.GetInt64(4),
        RecommendationId = r.IsDBNull(5) ? null : r.GetString(5),
        CreatedAt = Time(r.GetInt64(6)),
    };

    private static void BindActor(Action<string, object> set, string prefix, Actor? actor)
    {
        set(prefix + "_type", Db(actor?.Type.ToWireName()));
        set(prefix + "_id", Db(actor?.Id));
        set(prefix + "_model_id", Db(actor?.ModelId));
        set(prefix + "_provider", Db(actor?.Provider));
        set(prefix + "_confidence", Db(actor?.Confidence));
    }

    private static Actor? ReadActor(DbDataReader r, int o) =>
        r.IsDBNull(o)
            ? null
            : new Actor(
                ActorTypes.Parse(r.GetString(o)),
                r.GetString(o + 1),
                r.IsDBNull(o + 2) ? null : r.GetString(o + 2),
                r.IsDBNull(o + 3) ? null : r.GetString(o + 3),
                r.IsDBNull(o + 4) ? null : r.GetDouble(o + 4));

    // Stored evidence is already canonical; parsing re-canonicalizes idempotently, with limits wide enough for anything once accepted.
    private static Evidence ReadEvidence(string json) => Evidence.Parse(json, int.MaxValue, 4096);

    /// <summary>The stored text of a record's guard warnings (a JSON array; <c>[]</c> when none).</summary>
    public static string WriteWarnings(IReadOnlyList<GuardWarning> warnings)
    {
        if (warnings.Count == 0)
        {
            return "[]";
        }

        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var warning in warnings)
            {
                writer.WriteStartObject();
                writer.WriteString("guardId", warning.GuardId);
                writer.WriteString("message", warning.Message);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static GuardWarning[] ReadWarnings(string json)
    {
        if (json == "[]")
        {
            return [];
        }

        using var document = JsonDocument.Parse(json);
        var warnings = new GuardWarning[document.RootElement.GetArrayLength()];
        var i = 0;
        foreach (var element in document.RootElement.EnumerateArray())
        {
            warnings[i++] = new GuardWarning(element.GetProperty("guardId").GetString()!, element.GetProperty("message").GetString()!);
        }

        return warnings;
    }

    /// <summary>Builds the WHERE clause and parameters of an instance query (keyset after the token).</summary>
    public static string InstanceFilter(InstanceQuery q, List<(string Name, object Value)> p, string inList)
    {
        var sql = new StringBuilder("org = @q_org");
        p.Add(("@q_org", q.OrgId));
        Add(sql, p, "loop_id", q.LoopId);
        Add(sql, p, "definition_version", q.DefinitionVersion);
        Add(sql, p, "current_state", q.State);
        Add(sql, p, "correlation_id", q.CorrelationId);
        Add(sql, p, "parent_aggregate_id", q.ParentAggregateId);
        AddStatuses(sql, p, q.Statuses?.Select(s => (long)s).ToList(), inList);
        AddTime(sql, p, "opened_at", ">=", q.OpenedFrom);
        AddTime(sql, p, "opened_at", "<", q.OpenedTo);
        AddTime(sql, p, "closed_at", ">=", q.ClosedFrom);
        AddTime(sql, p, "closed_at", "<", q.ClosedTo);
        AddKeyset(sql, p, "opened_at", "aggregate", q.ContinuationToken);
        return sql.ToString();
    }

    /// <summary>Builds the WHERE clause and parameters of a recommendation query (keyset after the token).</summary>
    public static string RecommendationFilter(RecommendationQuery q, List<(string Name, object Value)> p, string inList)
    {
        var sql = new StringBuilder("org = @q_org");
        p.Add(("@q_org", q.OrgId));
        Add(sql, p, "loop_id", q.LoopId);
        Add(sql, p, "aggregate", q.AggregateId);
        Add(sql, p, "transition_id", q.TransitionId);
        Add(sql, p, "recommender_id", q.RecommenderId);
        AddStatuses(sql, p, q.Statuses?.Select(s => (long)s).ToList(), inList);
        AddTime(sql, p, "created_at", "<", q.CreatedBefore);
        AddKeyset(sql, p, "created_at", "id", q.ContinuationToken);
        return sql.ToString();
    }

    private static void Add(StringBuilder sql, List<(string, object)> p, string column, string? value)
    {
        if (value is not null)
        {
            var name = "@q_" + column;
            sql.Append(" AND ").Append(column).Append(" = ").Append(name);
            p.Add((name, value));
        }
    }

    private static void AddTime(StringBuilder sql, List<(string, object)> p, string column, string op, DateTimeOffset? value)
    {
        if (value is { } time)
        {
            var name = "@q_" + column + (op == "<" ? "_to" : "_from");
            sql.Append(" AND ").Append(column).Append(' ').Append(op).Append(' ').Append(name);
            p.Add((name, Ticks(time)));
        }
    }

    // inList is a format with {0} for the parameter: SQLite uses json_each, PostgreSQL uses ANY.
    private static void AddStatuses(StringBuilder sql, List<(string, object)> p, List<long>? statuses, string inList)
    {
        if (statuses is not null)
        {
            sql.Append(" AND status ").Append(string.Format(CultureInfo.InvariantCulture, inList, "@q_statuses"));
            p.Add(("@q_statuses", statuses.ToArray()));
        }
    }

    private static void AddKeyset(StringBuilder sql, List<(string, object)> p, string timeColumn, string idColumn, string? token)
    {
        if (token is not null)
        {
            var (time, id) = PageTokens.Decode(token);
            sql.Append(" AND (").Append(timeColumn).Append(" > @k_time OR (").Append(timeColumn).Append(" = @k_time AND ").Append(idColumn).Append(" > @k_id))");
            p.Add(("@k_time", Ticks(time)));
            p.Add(("@k_id", id));
        }
    }
}
