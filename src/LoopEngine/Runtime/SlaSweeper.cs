using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LoopEngine;

/// <summary>
/// Fires the engine's stored timers (SLA deadlines, recommendation expiries) when they are due: every
/// <see cref="SlaSweeperOptions.Interval"/> of the engine's <see cref="TimeProvider"/>, it claims due timers under a lease
/// (<see cref="ITimerStore.ClaimDueAsync"/>), fires each through <see cref="LoopRuntime.FireTimerAsync"/> and completes it.
/// Several sweepers (in one process or many hosts sharing a store) never fire the same timer at once; timers live in the
/// store, so a restarted host picks up what fell due while it was down. A timer that fails to fire stays leased and is
/// claimed again when its lease ends.
/// </summary>
public sealed class SlaSweeper : BackgroundService
{
    private static int s_instances;

    private readonly LoopRuntime _engine;
    private readonly ITimerStore _timers;
    private readonly SlaSweeperOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary>Creates a sweeper.</summary>
    /// <param name="engine">The engine that fires the timers.</param>
    /// <param name="options">The options; <see langword="null"/> for the defaults.</param>
    /// <param name="timeProvider">The clock; <see langword="null"/> for the engine's.</param>
    /// <param name="timerStore">The timer store; <see langword="null"/> for the engine's store, which must implement <see cref="ITimerStore"/>.</param>
    /// <param name="loggerFactory">Logging; <see langword="null"/> for none.</param>
    /// <exception cref="ArgumentException">No timer store is given and the engine's store keeps no timers.</exception>
    public SlaSweeper(LoopRuntime engine, SlaSweeperOptions? options = null, TimeProvider? timeProvider = null, ITimerStore? timerStore = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(engine);
        _engine = engine;
        _timers = timerStore ?? engine.TimerStore
            ?? throw new ArgumentException($"The engine's store ({engine.Store.GetType().Name}) does not implement ITimerStore; pass a timer store.", nameof(timerStore));
        _options = options ?? new SlaSweeperOptions();
        _time = timeProvider ?? engine.TimeProvider;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("LoopEngine.SlaSweeper");
        OwnerId = _options.OwnerId ?? string.Create(CultureInfo.InvariantCulture, $"{Environment.MachineName}:{Environment.ProcessId}:{Interlocked.Increment(ref s_instances)}");
    }

    /// <summary>Gets the owner id this sweeper claims timers under.</summary>
    public string OwnerId { get; }

    /// <summary>Claims and fires every timer due now, batch by batch, until none is left to claim.</summary>
    /// <param name="cancellationToken">Stops the sweep between timers.</param>
    /// <returns>How many timers fired their action (dropped timers are not counted).</returns>
    public async Task<int> SweepOnceAsync(CancellationToken cancellationToken = default)
    {
        var fired = 0;
        var dropped = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var now = _time.GetUtcNow();
            var batch = await _timers.ClaimDueAsync(now, _options.BatchSize, OwnerId, _options.LeaseDuration, cancellationToken).ConfigureAwait(false);
            if (batch.Count == 0)
            {
                break;
            }

            foreach (var timer in batch)
            {
                TimerFiring firing;
                try
                {
                    firing = await _engine.FireTimerAsync(timer, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Left leased: another claim retries it once the lease ends.
                    LoopRuntimeLog.TimerFailed(_logger, ex, timer.Kind, timer.Key, timer.AggregateId, timer.OrgId, timer.Attempts);
                    continue;
                }

                _ = firing == TimerFiring.Fired ? fired++ : dropped++;
                await _timers.CompleteAsync(timer, OwnerId, cancellationToken).ConfigureAwait(false);
            }

            if (batch.Count < _options.BatchSize)
            {
                break;
            }
        }

        LoopRuntimeLog.Swept(_logger, OwnerId, fired, dropped);
        return fired;
    }

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await SweepOnceAsync(stoppingToken).ConfigureAwait(false);
                await Task.Delay(_options.Interval, _time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
        }
    }
}
