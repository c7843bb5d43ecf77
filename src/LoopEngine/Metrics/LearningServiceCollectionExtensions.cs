using LoopEngine;
using LoopEngine.Learning;
using LoopEngine.Metrics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers outcomes, estimates, learning record export and loop metrics.</summary>
public static class LearningServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="IOutcomeRecorder"/>, <see cref="IEstimateReader"/>, <see cref="LearningRecordExporter"/>,
    /// <see cref="ILoopMetricsService"/> and, unless one is registered, the <see cref="InMemoryLearningStore"/>. Safe to call
    /// twice. Requires an <see cref="ILoopStore"/>, an <see cref="ILoopIdGenerator"/> and an <see cref="ILoopEngine"/>
    /// (for definitions), as <c>AddLoopEngine</c> registers them; <see cref="TimeProvider"/> defaults to the system clock.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Configures the options, or <see langword="null"/>.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddLoopEngineLearning(this IServiceCollection services, Action<LearningOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<LearningOptions>().ValidateDataAnnotations().ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ILearningStore, InMemoryLearningStore>();
        services.TryAddSingleton<IEstimateReader, EstimateReader>();
        services.TryAddSingleton<IOutcomeRecorder>(sp => new LoopOutcomes(
            sp.GetRequiredService<ILoopStore>(),
            sp.GetRequiredService<ILearningStore>(),
            (loopId, version) => sp.GetRequiredService<ILoopEngine>().GetDefinition(loopId, version),
            sp.GetRequiredService<ILoopIdGenerator>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IOptions<LearningOptions>>()));
        services.TryAddSingleton(sp => new LearningRecordExporter(sp.GetRequiredService<ILoopStore>(), sp.GetRequiredService<ILearningStore>()));
        services.TryAddSingleton<ILoopMetricsService>(sp => new LoopMetricsService(sp.GetRequiredService<ILoopStore>()));
        return services;
    }
}
