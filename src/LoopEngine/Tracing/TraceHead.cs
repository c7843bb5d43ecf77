namespace LoopEngine;

/// <summary>The head of a trace: its last sequence and hash. Exported for an auditor, it catches truncation.</summary>
/// <param name="OrgId">The org.</param>
/// <param name="AggregateId">The aggregate.</param>
/// <param name="Sequence">The last sequence.</param>
/// <param name="Hash">The last record's hash (64 lowercase hex digits).</param>
public sealed record TraceHead(string OrgId, string AggregateId, long Sequence, string Hash);
