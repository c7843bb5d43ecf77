using System.Threading.Channels;

namespace LoopEngine.Signals;

/// <summary>The bounded channel producers write raw events to; <see cref="SignalIngestionService"/> drains it. Writers wait when it is full.</summary>
public sealed class RawEventChannel
{
    private readonly Channel<RawEvent> _channel;

    /// <summary>Creates the channel.</summary>
    /// <param name="capacity">The capacity.</param>
    public RawEventChannel(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _channel = Channel.CreateBounded<RawEvent>(new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });
    }

    /// <summary>Gets the writer; <see cref="ChannelWriter{T}.WriteAsync"/> waits while the channel is full and throws once ingestion has stopped.</summary>
    public ChannelWriter<RawEvent> Writer => _channel.Writer;

    /// <summary>Gets the reader (the ingestion service's).</summary>
    public ChannelReader<RawEvent> Reader => _channel.Reader;
}
