using Microsoft.Extensions.Logging;

namespace LoopEngine.Mcp;

/// <summary>The gateway's source-generated log messages.</summary>
internal static partial class GatewayLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Agent {AgentId} recommended {TransitionId} on {LoopId} {AggregateId}: {Outcome} (correlation {CorrelationId})")]
    public static partial void Recommended(ILogger logger, string agentId, string transitionId, string loopId, string aggregateId, TransitionOutcome outcome, string correlationId);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Agent {AgentId} executed {TransitionId} on {LoopId} {AggregateId}: {Outcome} (correlation {CorrelationId})")]
    public static partial void Executed(ILogger logger, string agentId, string transitionId, string loopId, string aggregateId, TransitionOutcome outcome, string correlationId);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Refused {Tool} of {TransitionId} on {LoopId} {AggregateId} for agent {AgentId}: the policy gives it {Access} access (correlation {CorrelationId})")]
    public static partial void Refused(ILogger logger, string tool, string transitionId, string loopId, string aggregateId, string agentId, AgentAccess access, string correlationId);
}
