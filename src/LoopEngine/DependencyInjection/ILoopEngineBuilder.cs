using Microsoft.Extensions.DependencyInjection;

namespace LoopEngine;

/// <summary>Configures the loop engine in a service collection; store and gateway packages extend it.</summary>
public interface ILoopEngineBuilder
{
    /// <summary>Gets the service collection.</summary>
    IServiceCollection Services { get; }

    /// <summary>Registers a definition.</summary>
    /// <param name="definition">The definition.</param>
    /// <returns>This builder.</returns>
    ILoopEngineBuilder AddLoop(LoopDefinition definition);

    /// <summary>Registers a guard implementation for a guard id.</summary>
    /// <param name="guardId">The guard id.</param>
    /// <param name="guard">The implementation.</param>
    /// <returns>This builder.</returns>
    ILoopEngineBuilder AddGuard(string guardId, ILoopGuard guard);

    /// <summary>Registers a guard implementation, created from the container, for a guard id.</summary>
    /// <typeparam name="TGuard">The implementation type.</typeparam>
    /// <param name="guardId">The guard id.</param>
    /// <returns>This builder.</returns>
    ILoopEngineBuilder AddGuard<TGuard>(string guardId)
        where TGuard : class, ILoopGuard;

    /// <summary>Registers an in-process event handler run by <see cref="LoopEventDispatcher"/>.</summary>
    /// <typeparam name="THandler">The handler type.</typeparam>
    /// <returns>This builder.</returns>
    ILoopEngineBuilder AddEventHandler<THandler>()
        where THandler : class, ILoopEventHandler;

    /// <summary>Uses a store, replacing any registered before.</summary>
    /// <param name="factory">Creates the store.</param>
    /// <returns>This builder.</returns>
    ILoopEngineBuilder UseStore(Func<IServiceProvider, ILoopStore> factory);
}
