using LoopEngine;
using LoopEngine.Learning;
using LoopEngine.PostgreSql;
using LoopEngine.Signals;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the PostgreSQL store.</summary>
public static class PostgreSqlLoopEngineBuilderExtensions
{
    /// <summary>Registers a <see cref="PostgreSqlLoopStore"/> as the singleton <see cref="ILoopStore"/>, replacing any store registered before.</summary>
    /// <param name="services">The services.</param>
    /// <param name="connectionString">An Npgsql connection string.</param>
    /// <param name="configure">Configures the options further, or <see langword="null"/>.</param>
    /// <returns>The services, for chaining.</returns>
    /// <exception cref="ArgumentException">The connection string or an option (such as the schema name) is not valid.</exception>
    public static IServiceCollection AddPostgreSqlLoopStore(this IServiceCollection services, string connectionString, Action<PostgreSqlLoopStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = new PostgreSqlLoopStoreOptions { ConnectionString = connectionString };
        configure?.Invoke(options);
        options.Validate(needsConnectionString: true);
        return Register(services, _ => new PostgreSqlLoopStore(options));
    }

    /// <summary>Registers a <see cref="PostgreSqlLoopStore"/> on a data source the caller owns, replacing any store registered before.</summary>
    /// <param name="services">The services.</param>
    /// <param name="dataSource">The data source.</param>
    /// <param name="configure">Configures the options further, or <see langword="null"/>.</param>
    /// <returns>The services, for chaining.</returns>
    /// <exception cref="ArgumentException">An option (such as the schema name) is not valid.</exception>
    public static IServiceCollection AddPostgreSqlLoopStore(this IServiceCollection services, NpgsqlDataSource dataSource, Action<PostgreSqlLoopStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(dataSource);
        var options = new PostgreSqlLoopStoreOptions();
        configure?.Invoke(options);
        options.Validate(needsConnectionString: false);
        return Register(services, _ => new PostgreSqlLoopStore(dataSource, options));
    }

    /// <summary>
    /// Uses a <see cref="PostgreSqlLoopStore"/> as the engine's store, and a <see cref="PostgreSqlSignalStore"/> and a
    /// <see cref="PostgreSqlLearningStore"/> on the same data source and schema as the <see cref="ISignalStore"/> and
    /// <see cref="ILearningStore"/>, replacing any registered before (so <c>AddLoopEngineSignals</c> and
    /// <c>AddLoopEngineLearning</c> use them in either call order); each store is also registered as itself.
    /// </summary>
    /// <param name="builder">The engine builder.</param>
    /// <param name="connectionString">An Npgsql connection string.</param>
    /// <param name="configure">Configures the options further, or <see langword="null"/>.</param>
    /// <returns>The builder, for chaining.</returns>
    /// <exception cref="ArgumentException">The connection string or an option (such as the schema name) is not valid.</exception>
    public static ILoopEngineBuilder UsePostgreSqlStore(this ILoopEngineBuilder builder, string connectionString, Action<PostgreSqlLoopStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new PostgreSqlLoopStoreOptions { ConnectionString = connectionString };
        configure?.Invoke(options);
        options.Validate(needsConnectionString: true);
        return Use(builder, options, callersDataSource: null);
    }

    /// <summary>
    /// Uses a <see cref="PostgreSqlLoopStore"/>, a <see cref="PostgreSqlSignalStore"/> and a <see cref="PostgreSqlLearningStore"/>
    /// on a data source the caller owns as the engine's loop, signal and learning stores, replacing any registered before.
    /// </summary>
    /// <param name="builder">The engine builder.</param>
    /// <param name="dataSource">The data source.</param>
    /// <param name="configure">Configures the options further, or <see langword="null"/>.</param>
    /// <returns>The builder, for chaining.</returns>
    /// <exception cref="ArgumentException">An option (such as the schema name) is not valid.</exception>
    public static ILoopEngineBuilder UsePostgreSqlStore(this ILoopEngineBuilder builder, NpgsqlDataSource dataSource, Action<PostgreSqlLoopStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(dataSource);
        var options = new PostgreSqlLoopStoreOptions();
        configure?.Invoke(options);
        options.Validate(needsConnectionString: false);
        return Use(builder, options, dataSource);
    }

    private static ILoopEngineBuilder Use(ILoopEngineBuilder builder, PostgreSqlLoopStoreOptions options, NpgsqlDataSource? callersDataSource)
    {
        // One data source for the three stores: built here (and disposed by the container) or the caller's.
        var services = builder.Services;
        services.RemoveAll<PostgreSqlDataSourceHolder>();
        services.AddSingleton(_ => callersDataSource is null
            ? new PostgreSqlDataSourceHolder(PostgreSqlConnector.CreateDataSource(options.ConnectionString!), owns: true)
            : new PostgreSqlDataSourceHolder(callersDataSource, owns: false));
        services.RemoveAll<PostgreSqlLoopStore>();
        services.AddSingleton(sp => new PostgreSqlLoopStore(sp.GetRequiredService<PostgreSqlDataSourceHolder>().DataSource, options));
        services.RemoveAll<PostgreSqlSignalStore>();
        services.RemoveAll<ISignalStore>();
        services.AddSingleton(sp => new PostgreSqlSignalStore(sp.GetRequiredService<PostgreSqlDataSourceHolder>().DataSource, options));
        services.AddSingleton<ISignalStore>(sp => sp.GetRequiredService<PostgreSqlSignalStore>());
        services.RemoveAll<PostgreSqlLearningStore>();
        services.RemoveAll<ILearningStore>();
        services.AddSingleton(sp => new PostgreSqlLearningStore(sp.GetRequiredService<PostgreSqlDataSourceHolder>().DataSource, options));
        services.AddSingleton<ILearningStore>(sp => sp.GetRequiredService<PostgreSqlLearningStore>());
        return builder.UseStore(sp => sp.GetRequiredService<PostgreSqlLoopStore>());
    }

    private static IServiceCollection Register(IServiceCollection services, Func<IServiceProvider, PostgreSqlLoopStore> factory)
    {
        services.RemoveAll<ILoopStore>();
        services.RemoveAll<PostgreSqlLoopStore>();
        services.AddSingleton(factory);
        services.AddSingleton<ILoopStore>(sp => sp.GetRequiredService<PostgreSqlLoopStore>());
        return services;
    }
}
