namespace LoopEngine.Sqlite;

/// <summary>How hard SQLite works to make a commit durable (<c>PRAGMA synchronous</c>).</summary>
public enum SqliteSynchronousMode
{
    /// <summary>
    /// <c>FULL</c>: every acknowledged commit survives a process crash, an OS crash and a power loss. The default.
    /// </summary>
    Full = 0,

    /// <summary>
    /// <c>NORMAL</c>: faster; every acknowledged commit survives a process crash, but an OS crash or a power loss may lose
    /// the last commits. The database is never corrupted.
    /// </summary>
    Normal = 1,
}
