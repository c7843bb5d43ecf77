namespace LoopEngine;

/// <summary>
/// Verifies a trace: recomputes every record's hash from its stored fields, checks each link and that sequences are
/// gapless from 1, and that the chain ends at the head (the instance's, or an exported one an auditor kept).
/// </summary>
public static class TraceVerifier
{
    /// <summary>Verifies a trace.</summary>
    /// <param name="records">The records, as read from the store, in sequence order.</param>
    /// <param name="head">The head the chain must reach; <see langword="null"/> checks only the chain itself.</param>
    /// <param name="headIsCurrent">
    /// <see langword="true"/> (the default) when <paramref name="head"/> is the instance's current head, so the chain must end
    /// exactly there; <see langword="false"/> for a head exported earlier, which the chain must contain (it may have grown since).
    /// </param>
    /// <returns>The result, naming the first record that does not match or the first sequence missing.</returns>
    public static TraceVerificationResult Verify(IReadOnlyList<TransitionRecord> records, TraceHead? head = null, bool headIsCurrent = true)
    {
        ArgumentNullException.ThrowIfNull(records);
        // Hashes are compared as held (32 bytes, or a verbatim text): equal exactly when their texts are equal.
        TraceHash? previousHash = TraceHash.Genesis;
        for (var i = 0; i < records.Count; i++)
        {
            var record = records[i];
            var expectedSequence = i + 1L;
            if (record.Sequence != expectedSequence)
            {
                return TraceVerificationResult.Invalid(TraceVerificationFailure.MissingSequence, expectedSequence,
                    $"Sequence {expectedSequence} is missing: found sequence {record.Sequence} in its place.", i);
            }

            if (i > 0 && (record.OrgId != records[0].OrgId || record.AggregateId != records[0].AggregateId || record.LoopId != records[0].LoopId))
            {
                return TraceVerificationResult.Invalid(TraceVerificationFailure.ForeignRecord, record.Sequence,
                    $"Record {record.Sequence} belongs to '{record.OrgId}/{record.LoopId}/{record.AggregateId}', not to '{records[0].OrgId}/{records[0].LoopId}/{records[0].AggregateId}'.", i);
            }

            if (!Equals(record.PreviousHashValue, previousHash))
            {
                return TraceVerificationResult.Invalid(TraceVerificationFailure.BrokenLink, record.Sequence,
                    $"Record {record.Sequence} links to previous hash {record.PreviousHash}, but record {record.Sequence - 1} hashes to {previousHash}.", i);
            }

            var computed = TraceCanonicalizer.ComputeHashValue(record);
            if (!Equals(computed, record.HashValue))
            {
                return TraceVerificationResult.Invalid(TraceVerificationFailure.HashMismatch, record.Sequence,
                    $"Record {record.Sequence} does not match its hash: stored {record.Hash}, recomputed from its fields {computed}.", i);
            }

            previousHash = record.HashValue;
        }

        var last = records.Count;
        if (head is not null)
        {
            if (head.Sequence > last)
            {
                return TraceVerificationResult.Invalid(TraceVerificationFailure.HeadMismatch, last + 1,
                    $"The chain ends at sequence {last}, but the head is at sequence {head.Sequence}: sequence {last + 1} is missing.", last);
            }

            if (head.Sequence < last && !headIsCurrent)
            {
                var covered = records[(int)head.Sequence - 1];
                return string.Equals(covered.Hash, head.Hash, StringComparison.Ordinal)
                    ? TraceVerificationResult.Valid(last, last)
                    : TraceVerificationResult.Invalid(TraceVerificationFailure.HeadMismatch, head.Sequence,
                        $"Record {head.Sequence} hashes to {covered.Hash}, but the exported head says {head.Hash}.", last);
            }

            if (head.Sequence < last)
            {
                return TraceVerificationResult.Invalid(TraceVerificationFailure.HeadMismatch, head.Sequence + 1,
                    $"The chain continues past the head at sequence {head.Sequence}: record {head.Sequence + 1} was not covered by the head.", last);
            }

            if (!string.Equals(head.Hash, previousHash?.ToString(), StringComparison.Ordinal))
            {
                return TraceVerificationResult.Invalid(TraceVerificationFailure.HeadMismatch, last,
                    $"Record {last} hashes to {previousHash}, but the head says {head.Hash}.", last);
            }
        }

        return TraceVerificationResult.Valid(last, last);
    }
}
