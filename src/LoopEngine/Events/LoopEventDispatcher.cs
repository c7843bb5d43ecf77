using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace LoopEngine;

/// <summary>
/// A hosted service that runs every registered <see cref="ILoopEventHandler"/> independently from its durable checkpoint:
/// catch-up then live, retries with exponential back-off, then parks a failing event and moves on.
/// </summary>
public sealed class LoopEventDispatcher : BackgroundService
{
    private readonly ILoopStore _store;
    private readonly IReadOnlyList<ILoopEventHandler> _handlers;
    private readonly LoopEventDispatcherOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly List<ParkedEvent> _parked = [];
    private readonly Lock _gate = new();

    /// <summary>Creates the dispatcher.</summary>
    /// <param name="store">The store whose stream it follows.</param>
    /// <param name="handlers">The handlers.</param>
    /// <param name="options">The options.</param>
    /// <param name="timeProvider">The clock for back-off delays.</param>
    /// <param name="logger">The logger.</param>
    public LoopEventDispatcher(ILoopStore store, IEnumerable<ILoopEventHandler> handlers, IOptions<LoopEventDispatcherOptions>? options = null, TimeProvider? timeProvider = null, ILogger<LoopEventDispatcher>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(handlers);
        _store = store;
        _handlers = handlers.ToList();
        var duplicate = _handlers.GroupBy(h => h.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"Two event handlers are named '{duplicate.Key}': handler names key their checkpoints and must be unique.", nameof(handlers));
        }

        _options = options?.Value ?? new LoopEventDispatcherOptions();
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>Gets the events parked after every attempt failed, with the handler that failed.</summary>
    public IReadOnlyList<ParkedEvent> Parked
    {
        get
        {
            lock (_gate)
            {
                return [.. _parked];
            }
        }
    }

    /// <inheritdoc/>
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(_handlers.Select(handler => Task.Run(() => RunAsync(handler, stoppingToken), stoppingToken)));

    private async Task RunAsync(ILoopEventHandler handler, CancellationToken cancellationToken)
    {
        var checkpointName = "handler:" + handler.Name;
        var position = await _store.GetCheckpointAsync(checkpointName, cancellationToken).ConfigureAwait(false) ?? 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            IReadOnlyList<LoopEvent> batch;
            try
            {
                batch = await _store.ReadEventsAsync(position, 256, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            foreach (var loopEvent in batch)
            {
                await DeliverAsync(handler, loopEvent, cancellationToken).ConfigureAwait(false);
                position = loopEvent.Position;
                await _store.SetCheckpointAsync(checkpointName, position, cancellationToken).ConfigureAwait(false);
            }

            if (batch.Count == 0)
            {
                try
                {
                    await _store.WaitForEventsAsync(position, _options.PollInterval, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return;
                }
            }
        }
    }

    private async Task DeliverAsync(ILoopEventHandler handler, LoopEvent loopEvent, CancellationToken cancellationToken)
    {
        var delay = _options.InitialRetryDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await handler.HandleAsync(loopEvent, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                if (attempt >= _options.MaxAttempts)
                {
                    LoopRuntimeLog.HandlerParked(_logger, ex, handler.Name, loopEvent.Position, loopEvent.Type, attempt);
                    lock (_gate)
                    {
                        _parked.Add(new ParkedEvent(handler.Name, loopEvent, ex.Message));
                    }

                    return;
                }

                LoopRuntimeLog.HandlerRetry(_logger, ex, handler.Name, loopEvent.Position, loopEvent.Type, attempt, delay);
                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
                delay += delay;
            }
        }
    }
}
