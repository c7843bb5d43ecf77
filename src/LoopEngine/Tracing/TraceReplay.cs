namespace LoopEngine;

/// <summary>Rebuilds an instance from its trace alone: the trace is the whole history.</summary>
public static class TraceReplay
{
    /// <summary>Rebuilds the instance a trace describes.</summary>
    /// <param name="records">The whole trace, in sequence order, starting with <c>$start</c>.</param>
    /// <param name="definition">The definition version the instance runs now (the last record's version, which a <c>$migrate</c> record changes), to tell terminal and error states.</param>
    /// <returns>The instance as the trace describes it, with the parent of a spawned loop from its start evidence (<see cref="ReservedEvidence.SpawnedBy"/>); pending recommendations are not part of the trace.</returns>
    /// <exception cref="ArgumentException">The trace is empty or does not start with <c>$start</c>.</exception>
    public static LoopInstance Rebuild(IReadOnlyList<TransitionRecord> records, LoopDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(definition);
        if (records.Count == 0 || records[0].TransitionId != ReservedTransitions.Start)
        {
            throw new ArgumentException("A trace starts with its $start record; this one is empty or starts otherwise.", nameof(records));
        }

        var first = records[0];
        var last = records[^1];
        var state = definition.TryGetState(last.ToState, out var spec) ? spec : null;
        var status = last.TransitionId switch
        {
            ReservedTransitions.Cancel => LoopStatus.Cancelled,
            ReservedTransitions.Fail => LoopStatus.Error,
            _ when state is { IsError: true } => LoopStatus.Error,
            _ when state is { IsTerminal: true } => LoopStatus.Closed,
            _ when last.ToState == definition.InitialState => LoopStatus.Open,
            _ => LoopStatus.InProgress,
        };
        var ended = status is LoopStatus.Closed or LoopStatus.Error or LoopStatus.Cancelled;
        string? parentLoopId = null, parentAggregateId = null;
        if (first.Evidence.TryGetProperty(ReservedEvidence.SpawnedBy, out var spawnedBy) && spawnedBy.ValueKind == System.Text.Json.JsonValueKind.Object)
        {
            parentLoopId = spawnedBy.TryGetProperty("loopId", out var loopId) ? loopId.GetString() : null;
            parentAggregateId = spawnedBy.TryGetProperty("aggregateId", out var aggregateId) ? aggregateId.GetString() : null;
        }

        return new LoopInstance
        {
            OrgId = first.OrgId,
            LoopId = first.LoopId,
            DefinitionVersion = last.DefinitionVersion,
            AggregateId = first.AggregateId,
            CurrentState = last.ToState,
            Status = status,
            Version = last.Sequence,
            CorrelationId = first.CorrelationId,
            OpenedAt = first.OccurredAt,
            UpdatedAt = last.OccurredAt,
            ClosedAt = ended ? last.OccurredAt : null,
            HeadHash = TransitionRecord.GenesisHash,
            HeadHashValue = last.HashValue,
            ParentLoopId = parentLoopId,
            ParentAggregateId = parentAggregateId,
        };
    }
}
