using System.Globalization;
using Microsoft.Data.Sqlite;

namespace LoopEngine.Sqlite;

/// <summary>The ordered schema migrations of the SQLite store. A migration is never edited once released; add a new one.</summary>
internal static class SqliteSchema
{
    public static readonly string[] Migrations =
    [
        // 1: the initial schema.
        """
        CREATE TABLE instances (
            org TEXT NOT NULL, aggregate TEXT NOT NULL, loop_id TEXT NOT NULL, definition_version TEXT NOT NULL,
            current_state TEXT NOT NULL, status INTEGER NOT NULL, version INTEGER NOT NULL, correlation_id TEXT NOT NULL,
            opened_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, closed_at INTEGER, head_hash TEXT NOT NULL,
            parent_loop_id TEXT, parent_aggregate_id TEXT,
            PRIMARY KEY (org, aggregate)) WITHOUT ROWID;
        CREATE INDEX ix_instances_opened ON instances (org, opened_at, aggregate);
        CREATE INDEX ix_instances_correlation ON instances (org, correlation_id);
        CREATE INDEX ix_instances_parent ON instances (org, parent_aggregate_id) WHERE parent_aggregate_id IS NOT NULL;
        CREATE TABLE trace_records (
            org TEXT NOT NULL, aggregate TEXT NOT NULL, sequence INTEGER NOT NULL, loop_id TEXT NOT NULL,
            definition_version TEXT NOT NULL, transition_id TEXT NOT NULL, from_state TEXT, to_state TEXT NOT NULL,
            actor_type TEXT NOT NULL, actor_id TEXT NOT NULL, actor_model_id TEXT, actor_provider TEXT, actor_confidence REAL,
            occurred_at TEXT NOT NULL, evidence TEXT NOT NULL, correlation_id TEXT NOT NULL, causation_id TEXT, warnings TEXT NOT NULL,
            recommendation_id TEXT, recommender_type TEXT, recommender_id TEXT, recommender_model_id TEXT, recommender_provider TEXT,
            recommender_confidence REAL, recommendation_evidence TEXT, previous_hash TEXT NOT NULL, hash TEXT NOT NULL,
            PRIMARY KEY (org, aggregate, sequence)) WITHOUT ROWID;
        CREATE TABLE events (
            position INTEGER PRIMARY KEY, event_id TEXT NOT NULL, type TEXT NOT NULL, org TEXT NOT NULL, loop_id TEXT NOT NULL,
            aggregate TEXT NOT NULL, correlation_id TEXT NOT NULL, occurred_at INTEGER NOT NULL, json TEXT NOT NULL);
        CREATE TABLE recommendations (
            org TEXT NOT NULL, id TEXT NOT NULL, loop_id TEXT NOT NULL, aggregate TEXT NOT NULL, transition_id TEXT NOT NULL,
            from_state TEXT NOT NULL, instance_version INTEGER NOT NULL, recommender_type TEXT NOT NULL, recommender_id TEXT NOT NULL,
            recommender_model_id TEXT, recommender_provider TEXT, recommender_confidence REAL, evidence TEXT NOT NULL, reasoning TEXT,
            correlation_id TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, status INTEGER NOT NULL,
            decided_at INTEGER, decided_by_type TEXT, decided_by_id TEXT, decided_by_model_id TEXT, decided_by_provider TEXT,
            decided_by_confidence REAL, decision_reason TEXT, executed_sequence INTEGER,
            PRIMARY KEY (org, id)) WITHOUT ROWID;
        CREATE INDEX ix_recommendations_created ON recommendations (org, created_at, id);
        CREATE TABLE idempotency (
            org TEXT NOT NULL, aggregate TEXT NOT NULL, key TEXT NOT NULL, request_hash TEXT NOT NULL, sequence INTEGER,
            recommendation_id TEXT, created_at INTEGER NOT NULL,
            PRIMARY KEY (org, aggregate, key)) WITHOUT ROWID;
        CREATE TABLE checkpoints (name TEXT NOT NULL PRIMARY KEY, position INTEGER NOT NULL) WITHOUT ROWID;
        CREATE TABLE sequences (org TEXT NOT NULL, name TEXT NOT NULL, next_value INTEGER NOT NULL, PRIMARY KEY (org, name)) WITHOUT ROWID;
        """,

        // 2: the pending recommendation count of an instance (LoopInstance.PendingRecommendationCount).
        """
        ALTER TABLE instances ADD COLUMN pending_recommendation_count INTEGER NOT NULL DEFAULT 0;
        """,

        // 3: stored timers (ITimerStore), claimed by due time under a lease.
        """
        CREATE TABLE timers (
            org TEXT NOT NULL, aggregate TEXT NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL, due_at INTEGER NOT NULL,
            loop_id TEXT NOT NULL, instance_version INTEGER NOT NULL, state TEXT, lease_owner TEXT, lease_expires_at INTEGER,
            attempts INTEGER NOT NULL,
            PRIMARY KEY (org, aggregate, kind, key)) WITHOUT ROWID;
        CREATE INDEX ix_timers_due ON timers (due_at);
        """,

        // 4: the signal store (ISignalStore) and the learning store (ILearningStore). Doubles are declared without a type
        // (no affinity), so SQLite keeps the 8-byte value as bound: a column would store -0.0 as the integer 0. NaN is
        // stored as NULL and read back as NaN. Times are UTC ticks plus the offset in minutes, so they read back exactly.
        """
        CREATE TABLE signals (
            seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, type TEXT NOT NULL, org TEXT NOT NULL, subject TEXT NOT NULL,
            confidence, threshold, attributes TEXT NOT NULL, occurred_at INTEGER NOT NULL, occurred_offset INTEGER NOT NULL,
            detected_at INTEGER NOT NULL, detected_offset INTEGER NOT NULL, status INTEGER NOT NULL, event_id TEXT NOT NULL,
            loop_id TEXT, aggregate TEXT, opened_loop INTEGER NOT NULL, label INTEGER, label_seq INTEGER);
        CREATE INDEX ix_signals_detected ON signals (detected_at, seq);
        CREATE INDEX ix_signals_aggregate ON signals (org, aggregate) WHERE aggregate IS NOT NULL;
        CREATE INDEX ix_signals_labelled ON signals (type, label_seq) WHERE label_seq IS NOT NULL;
        CREATE UNIQUE INDEX ix_signals_label_seq ON signals (label_seq) WHERE label_seq IS NOT NULL;
        CREATE TABLE signal_open_loops (
            org TEXT NOT NULL, subject_key TEXT NOT NULL, aggregate TEXT NOT NULL,
            PRIMARY KEY (org, subject_key)) WITHOUT ROWID;
        CREATE TABLE signal_thresholds (type TEXT NOT NULL PRIMARY KEY, threshold) WITHOUT ROWID;
        CREATE TABLE signal_threshold_changes (
            seq INTEGER PRIMARY KEY, type TEXT NOT NULL, threshold_before, threshold_after, precision_before,
            precision_after, sample_size INTEGER NOT NULL, target_precision, changed_at INTEGER NOT NULL,
            changed_offset INTEGER NOT NULL);
        CREATE INDEX ix_signal_threshold_changes_type ON signal_threshold_changes (type, seq);
        CREATE TABLE signal_positions (name TEXT NOT NULL PRIMARY KEY, position INTEGER NOT NULL) WITHOUT ROWID;
        CREATE TABLE learning_outcomes (
            org TEXT NOT NULL, aggregate TEXT NOT NULL, loop_id TEXT NOT NULL, definition_version TEXT NOT NULL,
            correlation_id TEXT NOT NULL, outcome_id TEXT NOT NULL, value_unit TEXT NOT NULL, status INTEGER NOT NULL,
            final_state TEXT NOT NULL, opened_at INTEGER NOT NULL, opened_offset INTEGER NOT NULL, closed_at INTEGER NOT NULL,
            closed_offset INTEGER NOT NULL, recorded_at INTEGER NOT NULL, recorded_offset INTEGER NOT NULL, event_id TEXT NOT NULL,
            metrics TEXT NOT NULL,
            PRIMARY KEY (org, aggregate)) WITHOUT ROWID;
        CREATE TABLE learning_estimates (
            org TEXT NOT NULL, key TEXT NOT NULL, estimator INTEGER NOT NULL, value, unit TEXT NOT NULL,
            count INTEGER NOT NULL, version INTEGER NOT NULL, updated_at INTEGER NOT NULL, updated_offset INTEGER NOT NULL,
            last_aggregate TEXT NOT NULL, window_values TEXT NOT NULL,
            PRIMARY KEY (org, key)) WITHOUT ROWID;
        """,

        // 5: trace records in a rowid table (appended in commit order) with a unique index on (org, aggregate, sequence).
        // Clustered by aggregate (WITHOUT ROWID), concurrent writers inserted into the middle of the b-tree: each record
        // rebalanced full sibling leaves, ~30 leaf and ~7 interior page writes per 32-writer group commit (WAL frames, each
        // written and synced). Appended rows share the tail page; only the small index entries go into the middle.
        """
        CREATE TABLE trace_records_appended (
            org TEXT NOT NULL, aggregate TEXT NOT NULL, sequence INTEGER NOT NULL, loop_id TEXT NOT NULL,
            definition_version TEXT NOT NULL, transition_id TEXT NOT NULL, from_state TEXT, to_state TEXT NOT NULL,
            actor_type TEXT NOT NULL, actor_id TEXT NOT NULL, actor_model_id TEXT, actor_provider TEXT, actor_confidence REAL,
            occurred_at TEXT NOT NULL, evidence TEXT NOT NULL, correlation_id TEXT NOT NULL, causation_id TEXT, warnings TEXT NOT NULL,
            recommendation_id TEXT, recommender_type TEXT, recommender_id TEXT, recommender_model_id TEXT, recommender_provider TEXT,
            recommender_confidence REAL, recommendation_evidence TEXT, previous_hash TEXT NOT NULL, hash TEXT NOT NULL);
        INSERT INTO trace_records_appended SELECT
            org, aggregate, sequence, loop_id, definition_version, transition_id, from_state, to_state,
            actor_type, actor_id, actor_model_id, actor_provider, actor_confidence,
            occurred_at, evidence, correlation_id, causation_id, warnings,
            recommendation_id, recommender_type, recommender_id, recommender_model_id, recommender_provider,
            recommender_confidence, recommendation_evidence, previous_hash, hash
            FROM trace_records ORDER BY org, aggregate, sequence;
        DROP TABLE trace_records;
        ALTER TABLE trace_records_appended RENAME TO trace_records;
        CREATE UNIQUE INDEX ux_trace_records ON trace_records (org, aggregate, sequence);
        """,

        // 6: an executed transition's requested and executed events, exactly as the engine wrote them, are held by its trace
        // record's row instead of two rows of the events table: their ids and the duration the executed event states are
        // kept beside the record, and the row id is the requested event's position (the executed event's is the next). Rows
        // that hold no events take row ids below zero (existing rows are moved there), so row ids above zero are positions.
        // A transition then writes two pages fewer (the events table's tail page and its share of the row).
        """
        UPDATE trace_records SET rowid = -rowid;
        ALTER TABLE trace_records ADD COLUMN requested_id_high INTEGER;
        ALTER TABLE trace_records ADD COLUMN requested_id_low INTEGER;
        ALTER TABLE trace_records ADD COLUMN executed_id_high INTEGER;
        ALTER TABLE trace_records ADD COLUMN executed_id_low INTEGER;
        ALTER TABLE trace_records ADD COLUMN duration_ms INTEGER;
        """,
    ];

    public static long LatestVersion => Migrations.Length;

    /// <summary>Applies the pending migrations in one <c>BEGIN IMMEDIATE</c> transaction; refuses a file from a newer store.</summary>
    /// <param name="connection">An open connection to the file.</param>
    /// <exception cref="SqliteStoreSchemaException">The file was written by a newer version of the store.</exception>
    public static void Migrate(SqliteConnection connection)
    {
        Execute(connection, "BEGIN IMMEDIATE;");
        try
        {
            Execute(connection, "CREATE TABLE IF NOT EXISTS schema_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL);");
            using var read = connection.CreateCommand();
            read.CommandText = "SELECT version FROM schema_version WHERE id = 1;";
            var current = read.ExecuteScalar() is long v ? v : 0;
            if (current > LatestVersion)
            {
                throw new SqliteStoreSchemaException(current, LatestVersion);
            }

            for (var version = current + 1; version <= LatestVersion; version++)
            {
                Execute(connection, Migrations[version - 1]);
                Execute(connection, "INSERT INTO schema_version (id, version) VALUES (1, " + version.ToString(CultureInfo.InvariantCulture) + ") ON CONFLICT (id) DO UPDATE SET version = excluded.version;");
            }

            Execute(connection, "COMMIT;");
        }
        catch
        {
            Execute(connection, "ROLLBACK;");
            throw;
        }
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
