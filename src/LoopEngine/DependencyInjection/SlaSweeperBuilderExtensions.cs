using LoopEngine;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the <see cref="SlaSweeper"/> that fires the engine's stored timers.</summary>
public static class SlaSweeperBuilderExtensions
{
    /// <summary>
    /// Adds the <see cref="SlaSweeper"/> as a hosted service (options validated on start). The store must implement
    /// <see cref="ITimerStore"/> (the in-memory store does). Safe to call more than once.
    /// </summary>
    /// <param name="builder">The engine builder.</param>
    /// <param name="configure">Configures the sweeper's options, or <see langword="null"/> for the defaults.</param>
    /// <returns>The builder.</returns>
    public static ILoopEngineBuilder AddSlaSweeper(this ILoopEngineBuilder builder, Action<SlaSweeperOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<SlaSweeperOptions>().ValidateDataAnnotations().ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        builder.Services.TryAddSingleton(sp => new SlaSweeper(
            sp.GetRequiredService<LoopRuntime>(),
            sp.GetRequiredService<IOptions<SlaSweeperOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            null,
            sp.GetService<ILoggerFactory>()));
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, SlaSweeperHostedService>());
        return builder;
    }

    /// <summary>Forwards the hosted service to the singleton sweeper, so hosts can also resolve it and call <see cref="SlaSweeper.SweepOnceAsync"/>.</summary>
    private sealed class SlaSweeperHostedService(SlaSweeper sweeper) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => sweeper.StartAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => sweeper.StopAsync(cancellationToken);
    }
}
