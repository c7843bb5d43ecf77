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

    private static IServiceCollection Register(IServiceCollection services, Func<IServiceProvider, PostgreSqlLoopStore> factory)
    {
        services.RemoveAll<ILoopStore>();
        services.RemoveAll<PostgreSqlLoopStore>();
        services.AddSingleton(factory);
        services.AddSingleton<ILoopStore>(sp => sp.GetRequiredService<PostgreSqlLoopStore>());
        return services;
    }
}
