using LoopEngine;
using LoopEngine.Mcp;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the Loop Engine's tools and resources (the Commerce Gateway) to an MCP server.</summary>
public static class LoopEngineMcpServerBuilderExtensions
{
    /// <summary>
    /// Adds the Commerce Gateway tools (<c>list_loop_definitions</c>, <c>describe_loop</c>, <c>get_loop_state</c>,
    /// <c>get_transition_history</c>, <c>list_open_loops</c>, <c>list_exceptions</c>, <c>list_signals</c>,
    /// <c>get_loop_metrics</c>, <c>recommend_transition</c>, <c>execute_transition</c>) and the definition and diagram
    /// resources. The engine itself is registered with <c>AddLoopEngine</c>; <c>list_signals</c> reads the signal engine
    /// (<c>AddLoopEngineSignals</c>) and <c>get_loop_metrics</c> the metrics service (<c>AddLoopEngineLearning</c>): both
    /// tools are always listed, and without their service a call is a tool error saying what to register. The agent's identity and org come from <paramref name="configure"/>, never from a tool call.
    /// </summary>
    /// <param name="builder">The MCP server builder.</param>
    /// <param name="configure">Sets the agent's id, model, provider, default confidence and org.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    public static IMcpServerBuilder WithLoopEngineTools(this IMcpServerBuilder builder, Action<LoopEngineMcpOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<LoopEngineMcpOptions>().ValidateDataAnnotations().ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LoopEngineMcpOptions>, LoopEngineMcpOptionsValidator>());
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<LoopGateway>();
        return builder.WithTools<LoopQueryTools>().WithTools<LoopInsightTools>().WithTools<LoopActionTools>().WithResources<LoopDefinitionResources>();
    }
}
