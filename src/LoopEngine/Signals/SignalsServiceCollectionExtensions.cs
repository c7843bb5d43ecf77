using LoopEngine;
using LoopEngine.Signals;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the signal engine.</summary>
public static class SignalsServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="ISignalEngine"/>, an in-memory <see cref="ISignalStore"/> unless one is registered,
    /// <see cref="RawEventChannel"/>, and the hosted <see cref="SignalIngestionService"/> and <see cref="SignalOutcomeService"/>.
    /// Options are validated when the host starts. Safe to call twice (the first registration wins).
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Adds signals, triggers and options.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddLoopEngineSignals(this IServiceCollection services, Action<SignalEngineBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        var builder = new SignalEngineBuilder();
        configure(builder);
        services.AddOptions<SignalEngineOptions>().Configure(builder.ApplyOptions).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<ISignalStore, InMemorySignalStore>();
        services.TryAddSingleton(sp => new RawEventChannel(sp.GetRequiredService<IOptions<SignalEngineOptions>>().Value.ChannelCapacity));
        services.TryAddSingleton<ISignalEngine>(sp => builder.Create(
            sp.GetRequiredService<IOptions<SignalEngineOptions>>().Value,
            sp.GetRequiredService<ISignalStore>(),
            sp.GetService<ILoopEngine>(),
            sp.GetService<ILoopStore>(),
            sp.GetService<TimeProvider>() ?? TimeProvider.System,
            sp.GetService<ILoopIdGenerator>() ?? new SequentialLoopIdGenerator(),
            sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, SignalIngestionService>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, SignalOutcomeService>());
        return services;
    }
}
