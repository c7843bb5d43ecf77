using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LoopEngine.Signals;

/// <summary>Runs <see cref="ISignalEngine.FollowLoopOutcomesAsync"/> while the host runs, when a loop engine is registered; restarts it after a failure.</summary>
public sealed class SignalOutcomeService : BackgroundService
{
    private readonly ISignalEngine _engine;
    private readonly ILoopEngine? _loopEngine;
    private readonly TimeProvider _time;
    private readonly ILogger<SignalOutcomeService> _logger;

    /// <summary>Creates the service.</summary>
    /// <param name="engine">The signal engine.</param>
    /// <param name="logger">The logger.</param>
    /// <param name="serviceProvider">Resolves the optional loop engine and clock.</param>
    public SignalOutcomeService(ISignalEngine engine, ILogger<SignalOutcomeService> logger, IServiceProvider serviceProvider)
    {
        ArgumentNullException.ThrowIfNull(serviceProvider);
        _engine = engine;
        _logger = logger;
        _loopEngine = serviceProvider.GetService(typeof(ILoopEngine)) as ILoopEngine;
        _time = serviceProvider.GetService(typeof(TimeProvider)) as TimeProvider ?? TimeProvider.System;
    }

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_loopEngine is null)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _engine.FollowLoopOutcomesAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // Following must survive a failing read; it resumes from its stored position.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                SignalLog.FollowFailed(_logger, ex, 0);
                await Task.Delay(TimeSpan.FromSeconds(1), _time, stoppingToken).ConfigureAwait(false);
            }
        }
    }
}
