using Microsoft.Extensions.Logging;

namespace LoopEngine.Signals;

internal static partial class SignalLog
{
    [LoggerMessage(EventId = 7001, Level = LogLevel.Warning, Message = "Dropped late event {EventId} of type {EventType}: occurred at {OccurredAt:O}, watermark {Watermark:O}, allowed lateness {Lateness}")]
    public static partial void LateEventDropped(ILogger logger, string eventId, string eventType, DateTimeOffset occurredAt, DateTimeOffset watermark, TimeSpan lateness);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Debug, Message = "Ignored event {EventId} of unknown type {EventType}")]
    public static partial void UnknownEventType(ILogger logger, string eventId, string eventType);

    [LoggerMessage(EventId = 7003, Level = LogLevel.Warning, Message = "Rejected event {EventId} of type {EventType}: {Reason}")]
    public static partial void EventRejected(ILogger logger, string eventId, string eventType, string reason);

    [LoggerMessage(EventId = 7004, Level = LogLevel.Information, Message = "Signal {SignalId} {SignalType} for {Subject} with confidence {Confidence} (threshold {Threshold})")]
    public static partial void SignalEmitted(ILogger logger, string signalId, string signalType, string subject, double confidence, double threshold);

    [LoggerMessage(EventId = 7005, Level = LogLevel.Information, Message = "Signal {SignalId} opened loop {LoopId} for aggregate {AggregateId} (correlation {CorrelationId})")]
    public static partial void LoopOpened(ILogger logger, string signalId, string loopId, string aggregateId, string correlationId);

    [LoggerMessage(EventId = 7006, Level = LogLevel.Information, Message = "Signal {SignalId} attached to open loop {LoopId} for aggregate {AggregateId} (correlation {CorrelationId})")]
    public static partial void SignalAttached(ILogger logger, string signalId, string loopId, string aggregateId, string correlationId);

    [LoggerMessage(EventId = 7007, Level = LogLevel.Information, Message = "Threshold of {SignalType} changed from {Before} to {After}: precision {PrecisionBefore} -> {PrecisionAfter} over {SampleSize} labelled signals")]
    public static partial void ThresholdChanged(ILogger logger, string signalType, double before, double after, double precisionBefore, double precisionAfter, int sampleSize);

    [LoggerMessage(EventId = 7008, Level = LogLevel.Information, Message = "Signal ingestion stopping: drained {Count} accepted events")]
    public static partial void Drained(ILogger logger, int count);

    [LoggerMessage(EventId = 7009, Level = LogLevel.Error, Message = "Signal ingestion failed for event {EventId}")]
    public static partial void IngestionFailed(ILogger logger, Exception exception, string eventId);

    [LoggerMessage(EventId = 7010, Level = LogLevel.Error, Message = "Following loop outcomes failed at position {Position}")]
    public static partial void FollowFailed(ILogger logger, Exception exception, long position);
}
