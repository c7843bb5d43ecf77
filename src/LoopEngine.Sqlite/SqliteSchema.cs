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
    ];

    public static long LatestVersion => Migrations.Length;
}
