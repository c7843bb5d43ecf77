namespace LoopEngine.PostgreSql;

/// <summary>The ordered schema migrations; <c>{s}</c> is the quoted schema. A released migration is never edited; add a new one.</summary>
internal static class PostgreSqlSchema
{
    public static readonly string[] Migrations =
    [
        """
        CREATE TABLE {s}.instances (
            org text NOT NULL, aggregate text COLLATE "C" NOT NULL, loop_id text NOT NULL, definition_version text NOT NULL,
            current_state text NOT NULL, status bigint NOT NULL, version bigint NOT NULL, correlation_id text NOT NULL,
            opened_at bigint NOT NULL, updated_at bigint NOT NULL, closed_at bigint, head_hash text NOT NULL,
            parent_loop_id text, parent_aggregate_id text,
            CONSTRAINT pk_instances PRIMARY KEY (org, aggregate));
        CREATE INDEX ix_instances_opened ON {s}.instances (org, opened_at, aggregate);
        CREATE INDEX ix_instances_correlation ON {s}.instances (org, correlation_id);
        CREATE TABLE {s}.trace_records (
            org text NOT NULL, aggregate text NOT NULL, sequence bigint NOT NULL, loop_id text NOT NULL,
            definition_version text NOT NULL, transition_id text NOT NULL, from_state text, to_state text NOT NULL,
            actor_type text NOT NULL, actor_id text NOT NULL, actor_model_id text, actor_provider text, actor_confidence double precision,
            occurred_at text NOT NULL, evidence text NOT NULL, correlation_id text NOT NULL, causation_id text, warnings text NOT NULL,
            recommendation_id text, recommender_type text, recommender_id text, recommender_model_id text, recommender_provider text,
            recommender_confidence double precision, recommendation_evidence text, previous_hash text NOT NULL, hash text NOT NULL,
            CONSTRAINT pk_trace_records PRIMARY KEY (org, aggregate, sequence));
        CREATE TABLE {s}.events (
            position bigint GENERATED ALWAYS AS IDENTITY, tx xid8 NOT NULL DEFAULT pg_current_xact_id(),
            event_id text NOT NULL, type text NOT NULL, org text NOT NULL, loop_id text NOT NULL, aggregate text NOT NULL,
            correlation_id text NOT NULL, occurred_at bigint NOT NULL, json text NOT NULL,
            CONSTRAINT pk_events PRIMARY KEY (position));
        CREATE TABLE {s}.recommendations (
            org text NOT NULL, id text COLLATE "C" NOT NULL, loop_id text NOT NULL, aggregate text NOT NULL, transition_id text NOT NULL,
            from_state text NOT NULL, instance_version bigint NOT NULL, recommender_type text NOT NULL, recommender_id text NOT NULL,
            recommender_model_id text, recommender_provider text, recommender_confidence double precision, evidence text NOT NULL,
            reasoning text, correlation_id text NOT NULL, created_at bigint NOT NULL, expires_at bigint NOT NULL, status bigint NOT NULL,
            decided_at bigint, decided_by_type text, decided_by_id text, decided_by_model_id text, decided_by_provider text,
            decided_by_confidence double precision, decision_reason text, executed_sequence bigint,
            CONSTRAINT pk_recommendations PRIMARY KEY (org, id));
        CREATE INDEX ix_recommendations_created ON {s}.recommendations (org, created_at, id);
        CREATE TABLE {s}.idempotency (
            org text NOT NULL, aggregate text NOT NULL, key text NOT NULL, request_hash text NOT NULL, sequence bigint,
            recommendation_id text, created_at bigint NOT NULL,
            CONSTRAINT pk_idempotency PRIMARY KEY (org, aggregate, key));
        CREATE TABLE {s}.checkpoints (name text PRIMARY KEY, position bigint NOT NULL);
        CREATE TABLE {s}.sequences (org text NOT NULL, name text NOT NULL, next_value bigint NOT NULL, PRIMARY KEY (org, name));
        """,

        // 2: the pending recommendation count of an instance (LoopInstance.PendingRecommendationCount).
        """
        ALTER TABLE {s}.instances ADD COLUMN pending_recommendation_count bigint NOT NULL DEFAULT 0;
        """,

        // 3: stored timers (ITimerStore), claimed by due time under a lease.
        """
        CREATE TABLE {s}.timers (
            org text COLLATE "C" NOT NULL, aggregate text COLLATE "C" NOT NULL, kind text COLLATE "C" NOT NULL, key text COLLATE "C" NOT NULL,
            due_at bigint NOT NULL, loop_id text NOT NULL, instance_version bigint NOT NULL, state text, lease_owner text,
            lease_expires_at bigint, attempts bigint NOT NULL,
            CONSTRAINT pk_timers PRIMARY KEY (org, aggregate, kind, key));
        CREATE INDEX ix_timers_due ON {s}.timers (due_at);
        """,

        // 4: durable signal state (ISignalStore) and outcomes and estimates (ILearningStore). Times are UTC ticks with the
        // offset in minutes beside them, doubles are double precision, and ordered maps are parallel arrays, so every
        // value reads back exactly as written.
        """
        CREATE SEQUENCE {s}.signal_order;
        CREATE TABLE {s}.signals (
            id text COLLATE "C" NOT NULL, seq bigint NOT NULL, type text COLLATE "C" NOT NULL, org text COLLATE "C" NOT NULL,
            subject_keys text[] NOT NULL, subject_values text[] NOT NULL, confidence double precision NOT NULL,
            threshold double precision NOT NULL, attribute_keys text[] NOT NULL, attribute_values double precision[] NOT NULL,
            occurred_at bigint NOT NULL, occurred_offset integer NOT NULL, detected_at bigint NOT NULL, detected_offset integer NOT NULL,
            status integer NOT NULL, event_id text NOT NULL, loop_id text, aggregate text COLLATE "C", opened_loop boolean NOT NULL,
            label integer, label_seq bigint,
            CONSTRAINT pk_signals PRIMARY KEY (id));
        CREATE INDEX ix_signals_detected ON {s}.signals (detected_at, seq);
        CREATE INDEX ix_signals_aggregate ON {s}.signals (org, aggregate, seq) WHERE aggregate IS NOT NULL;
        CREATE INDEX ix_signals_labelled ON {s}.signals (type, label_seq) WHERE label_seq IS NOT NULL;
        CREATE TABLE {s}.signal_open_loops (
            org text COLLATE "C" NOT NULL, subject_key text COLLATE "C" NOT NULL, aggregate text NOT NULL,
            CONSTRAINT pk_signal_open_loops PRIMARY KEY (org, subject_key));
        CREATE TABLE {s}.signal_threshold_changes (
            signal_type text COLLATE "C" NOT NULL, seq bigint GENERATED ALWAYS AS IDENTITY, threshold_before double precision NOT NULL,
            threshold_after double precision NOT NULL, precision_before double precision NOT NULL, precision_after double precision NOT NULL,
            sample_size integer NOT NULL, target_precision double precision NOT NULL, changed_at bigint NOT NULL, changed_offset integer NOT NULL,
            CONSTRAINT pk_signal_threshold_changes PRIMARY KEY (signal_type, seq));
        CREATE TABLE {s}.signal_positions (name text COLLATE "C" NOT NULL, position bigint NOT NULL, CONSTRAINT pk_signal_positions PRIMARY KEY (name));
        CREATE TABLE {s}.outcomes (
            org text COLLATE "C" NOT NULL, aggregate text COLLATE "C" NOT NULL, loop_id text NOT NULL, definition_version text NOT NULL,
            correlation_id text NOT NULL, outcome_id text NOT NULL, value_unit text NOT NULL, status bigint NOT NULL, final_state text NOT NULL,
            opened_at bigint NOT NULL, opened_offset integer NOT NULL, closed_at bigint NOT NULL, closed_offset integer NOT NULL,
            recorded_at bigint NOT NULL, recorded_offset integer NOT NULL, event_id text NOT NULL, metrics jsonb NOT NULL,
            CONSTRAINT pk_outcomes PRIMARY KEY (org, aggregate));
        CREATE TABLE {s}.estimates (
            org text COLLATE "C" NOT NULL, key text COLLATE "C" NOT NULL, estimator integer NOT NULL, value double precision NOT NULL,
            unit text NOT NULL, count bigint NOT NULL, version bigint NOT NULL, updated_at bigint NOT NULL, updated_offset integer NOT NULL,
            last_aggregate text NOT NULL, observations double precision[] NOT NULL,
            CONSTRAINT pk_estimates PRIMARY KEY (org, key));
        """,

        // 5: an executed transition's requested and executed events, exactly as the engine wrote them, are held by its trace
        // record's row instead of two rows of the events table: the requested event's position (the executed event's is the
        // next), the transaction id an events row would carry, their ids and the executed event's duration. A transition
        // then inserts one row and one index entry fewer in the events table (two heap rows and two index entries before).
        """
        ALTER TABLE {s}.trace_records ADD COLUMN event_position bigint, ADD COLUMN tx xid8, ADD COLUMN requested_id_high bigint,
            ADD COLUMN requested_id_low bigint, ADD COLUMN executed_id_high bigint, ADD COLUMN executed_id_low bigint,
            ADD COLUMN duration_ms bigint;
        CREATE UNIQUE INDEX ux_trace_records_event_position ON {s}.trace_records (event_position) WHERE event_position IS NOT NULL;
        """,
    ];

    public static long LatestVersion => Migrations.Length;
}
