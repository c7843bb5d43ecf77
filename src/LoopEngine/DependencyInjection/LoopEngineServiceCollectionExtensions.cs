using LoopEngine;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the loop engine in a service collection.</summary>
public static class LoopEngineServiceCollectionExtensions
{
    /// <summary>
    /// Adds the loop engine: <see cref="ILoopEngine"/>, a <see cref="LoopRegistry"/>, the in-memory store unless another
    /// is used, <see cref="TimeProvider.System"/>, the default id and random generators, options validated on start, and the
    /// event dispatcher as a hosted service. Safe to call more than once.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Registers loops, guards, handlers and the store.</param>
    /// <returns>The builder, for store and gateway packages to extend.</returns>
    public static ILoopEngineBuilder AddLoopEngine(this IServiceCollection services, Action<ILoopEngineBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<LoopEngineOptions>().ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<LoopEventDispatcherOptions>().ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ILoopRandom>(CryptoLoopRandom.Instance);
        services.TryAddSingleton<ILoopIdGenerator>(sp => new DefaultLoopIdGenerator(sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoopRandom>()));
        services.TryAddSingleton<IActorAuthorizer>(AllowAllActorAuthorizer.Instance);
        services.TryAddSingleton<ILoopStore, InMemoryLoopStore>();
        services.TryAddSingleton(sp =>
        {
            var registry = new LoopRegistry();
            foreach (var registration in sp.GetServices<LoopRegistration>())
            {
                registry.Add(registration.Definition);
            }

            return registry;
        });
        services.TryAddSingleton<LoopRuntime>(sp =>
        {
            var guards = new Dictionary<string, ILoopGuard>(StringComparer.Ordinal);
            foreach (var registration in sp.GetServices<GuardRegistration>())
            {
                guards[registration.GuardId] = registration.Factory(sp);
            }

            return new LoopRuntime(
                sp.GetRequiredService<ILoopStore>(),
                sp.GetRequiredService<LoopRegistry>(),
                sp.GetRequiredService<IOptions<LoopEngineOptions>>().Value,
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILoopIdGenerator>(),
                guards,
                sp.GetRequiredService<IActorAuthorizer>(),
                sp.GetService<ILoggerFactory>());
        });
        services.TryAddSingleton<ILoopEngine>(sp => sp.GetRequiredService<LoopRuntime>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, LoopEventDispatcher>());
        var builder = new LoopEngineBuilder(services);
        configure?.Invoke(builder);
        return builder;
    }

    private sealed class LoopEngineBuilder(IServiceCollection services) : ILoopEngineBuilder
    {
        public IServiceCollection Services { get; } = services;

        public ILoopEngineBuilder AddLoop(LoopDefinition definition)
        {
            ArgumentNullException.ThrowIfNull(definition);
            Services.AddSingleton(new LoopRegistration(definition));
            return this;
        }

        public ILoopEngineBuilder AddGuard(string guardId, ILoopGuard guard)
        {
            ArgumentNullException.ThrowIfNull(guard);
            Services.AddSingleton(new GuardRegistration(guardId, _ => guard));
            return this;
        }

        public ILoopEngineBuilder AddGuard<TGuard>(string guardId)
            where TGuard : class, ILoopGuard
        {
            Services.TryAddSingleton<TGuard>();
            Services.AddSingleton(new GuardRegistration(guardId, sp => sp.GetRequiredService<TGuard>()));
            return this;
        }

        public ILoopEngineBuilder AddEventHandler<THandler>()
            where THandler : class, ILoopEventHandler
        {
            Services.TryAddEnumerable(ServiceDescriptor.Singleton<ILoopEventHandler, THandler>());
            return this;
        }

        public ILoopEngineBuilder UseStore(Func<IServiceProvider, ILoopStore> factory)
        {
            ArgumentNullException.ThrowIfNull(factory);
            Services.RemoveAll<ILoopStore>();
            Services.AddSingleton(factory);
            return this;
        }
    }

    private sealed record LoopRegistration(LoopDefinition Definition);

    private sealed record GuardRegistration(string GuardId, Func<IServiceProvider, ILoopGuard> Factory);
}
