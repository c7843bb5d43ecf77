using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LoopEngine.Signals;

/// <summary>
/// Drains <see cref="RawEventChannel"/> into the signal engine. On shutdown it closes the channel to new writes and
/// ingests every event already accepted before it stops. Rejected events are logged and counted, never fatal.
/// </summary>
public sealed class SignalIngestionService : BackgroundService
{
    private readonly ISignalEngine _engine;
    private readonly RawEventChannel _channel;
    private readonly ILogger<SignalIngestionService> _logger;

    /// <summary>Creates the service.</summary>
    /// <param name="engine">The signal engine.</param>
    /// <param name="channel">The channel.</param>
    /// <param name="logger">The logger.</param>
    public SignalIngestionService(ISignalEngine engine, RawEventChannel channel, ILogger<SignalIngestionService> logger)
    {
        _engine = engine;
        _channel = channel;
        _logger = logger;
    }

    /// <inheritdoc/>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _channel.Writer.TryComplete();
        await base.StopAsync(cancellationToken).ConfigureAwait(false);

        // ExecuteAsync has finished (or, stopped before it ran, never started): drain what is left here.
        await DrainAsync().ConfigureAwait(false);
    }

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reader = _channel.Reader;
        try
        {
            while (await reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                while (reader.TryRead(out var rawEvent))
                {
                    await IngestAsync(rawEvent).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: drain below.
        }

        await DrainAsync().ConfigureAwait(false);
    }

    private async Task DrainAsync()
    {
        var drained = 0;
        while (_channel.Reader.TryRead(out var rawEvent))
        {
            await IngestAsync(rawEvent).ConfigureAwait(false);
            drained++;
        }

        if (drained > 0)
        {
            SignalLog.Drained(_logger, drained);
        }
    }

    private async ValueTask IngestAsync(RawEvent rawEvent)
    {
        try
        {
            // Accepted events are ingested even while stopping, so nothing accepted is lost.
            await _engine.IngestAsync(rawEvent, CancellationToken.None).ConfigureAwait(false);
        }
        catch (SignalEventException)
        {
            // Logged and counted by the engine.
        }
#pragma warning disable CA1031 // A failing event must not stop ingestion of the others.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            SignalLog.IngestionFailed(_logger, ex, rawEvent.Id);
        }
    }
}
