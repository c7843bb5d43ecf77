using Npgsql;

namespace LoopEngine.PostgreSql;

/// <summary>The data source the PostgreSQL stores registered by <c>UsePostgreSqlStore</c> share; disposed with the container when built by it.</summary>
internal sealed class PostgreSqlDataSourceHolder(NpgsqlDataSource dataSource, bool owns) : IAsyncDisposable, IDisposable
{
    public NpgsqlDataSource DataSource { get; } = dataSource;

    public ValueTask DisposeAsync() => owns ? DataSource.DisposeAsync() : ValueTask.CompletedTask;

    public void Dispose()
    {
        if (owns)
        {
            DataSource.Dispose();
        }
    }
}
