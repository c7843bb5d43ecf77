namespace LoopEngine.PostgreSql.Tests;

/// <summary>
/// A fact that needs PostgreSQL (LOOPENGINE_POSTGRES). Skipped with a visible reason on a developer machine without it;
/// on CI (CI=true) it runs anyway, and fails for want of the database.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        Skip = PostgresDatabase.SkipReason;
    }
}

/// <summary>A theory that needs PostgreSQL, skipped or run like <see cref="PostgresFactAttribute"/>.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class PostgresTheoryAttribute : TheoryAttribute
{
    public PostgresTheoryAttribute()
    {
        Skip = PostgresDatabase.SkipReason;
    }
}
