using LoopEngine;
using LoopEngine.Learning;
using LoopEngine.Signals;
using LoopEngine.Sqlite;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the SQLite store.</summary>
public static class SqliteLoopEngineBuilderExtensions
{
    /// <summary>
    /// Registers a <see cref="SqliteLoopStore"/> as the singleton <see cref="ILoopStore"/>, replacing any store registered before.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="connectionString">A Microsoft.Data.Sqlite connection string, for example <c>Data Source=loops.db</c>.</param>
    /// <param name="configure">Configures the options further, or <see langword="null"/>.</param>
    /// <returns>The services, for chaining.</returns>
    /// <exception cref="ArgumentException">The connection string or an option is not valid.</exception>
    public static IServiceCollection AddSqliteLoopStore(this IServiceCollection services, string connectionString, Action<SqliteLoopStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = new SqliteLoopStoreOptions { ConnectionString = connectionString };
        configure?.Invoke(options);
        options.Validate();
        services.RemoveAll<ILoopStore>();
        services.RemoveAll<SqliteLoopStore>();
        services.AddSingleton(_ => new SqliteLoopStore(options));
        services.AddSingleton<ILoopStore>(sp => sp.GetRequiredService<SqliteLoopStore>());
        return services;
    }

    /// <summary>
    /// Uses a <see cref="SqliteLoopStore"/> as the engine's store, and a <see cref="SqliteSignalStore"/> and a
    /// <see cref="SqliteLearningStore"/> on the same file as the <see cref="ISignalStore"/> and <see cref="ILearningStore"/>,
    /// replacing any registered before (so <c>AddLoopEngineSignals</c> and <c>AddLoopEngineLearning</c>, which add the
    /// in-memory ones only when none is registered, use the durable ones whichever is called first). Each store is also
    /// registered as itself.
    /// </summary>
    /// <param name="builder">The engine builder.</param>
    /// <param name="connectionString">A Microsoft.Data.Sqlite connection string, for example <c>Data Source=loops.db</c>.</param>
    /// <param name="configure">Configures the options further, or <see langword="null"/>.</param>
    /// <returns>The builder, for chaining.</returns>
    /// <exception cref="ArgumentException">The connection string or an option is not valid.</exception>
    public static ILoopEngineBuilder UseSqliteStore(this ILoopEngineBuilder builder, string connectionString, Action<SqliteLoopStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new SqliteLoopStoreOptions { ConnectionString = connectionString };
        configure?.Invoke(options);
        options.Validate();
        var services = builder.Services;
        services.RemoveAll<SqliteLoopStore>();
        services.AddSingleton(_ => new SqliteLoopStore(options));
        services.RemoveAll<SqliteSignalStore>();
        services.AddSingleton(_ => new SqliteSignalStore(options));
        services.RemoveAll<ISignalStore>();
        services.AddSingleton<ISignalStore>(sp => sp.GetRequiredService<SqliteSignalStore>());
        services.RemoveAll<SqliteLearningStore>();
        services.AddSingleton(_ => new SqliteLearningStore(options));
        services.RemoveAll<ILearningStore>();
        services.AddSingleton<ILearningStore>(sp => sp.GetRequiredService<SqliteLearningStore>());
        return builder.UseStore(sp => sp.GetRequiredService<SqliteLoopStore>());
    }
}
