using LoopEngine;
using LoopEngine.PostgreSql;
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

    /// <summary>Uses a <see cref="PostgreSqlLoopStore"/> as the engine's store, replacing any store registered before; the store is also registered as itself.</summary>
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
        return Use(builder, _ => new PostgreSqlLoopStore(options));
    }

    /// <summary>Uses a <see cref="PostgreSqlLoopStore"/> on a data source the caller owns as the engine's store, replacing any store registered before.</summary>
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
        return Use(builder, _ => new PostgreSqlLoopStore(dataSource, options));
    }

    private static ILoopEngineBuilder Use(ILoopEngineBuilder builder, Func<IServiceProvider, PostgreSqlLoopStore> factory)
    {
        builder.Services.RemoveAll<PostgreSqlLoopStore>();
        builder.Services.AddSingleton(factory);
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
