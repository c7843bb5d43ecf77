namespace LoopEngine;

/// <summary>The result of verifying a trace's hash chain.</summary>
/// <param name="IsValid">Whether every record verified and the chain ends at the head.</param>
/// <param name="Failure">Why it failed, or <see cref="TraceVerificationFailure.None"/>.</param>
/// <param name="FirstBadSequence">The first record that does not match, or the first sequence missing; <see langword="null"/> when valid.</param>
/// <param name="Message">A description naming the sequence and what did not match.</param>
/// <param name="RecordCount">How many records were checked.</param>
public sealed record TraceVerificationResult(bool IsValid, TraceVerificationFailure Failure, long? FirstBadSequence, string Message, int RecordCount)
{
    internal static TraceVerificationResult Valid(int count, long last) =>
        new(true, TraceVerificationFailure.None, null, $"{count} records verified; the chain ends at sequence {last}.", count);

    internal static TraceVerificationResult Invalid(TraceVerificationFailure failure, long sequence, string message, int count) =>
        new(false, failure, sequence, message, count);
}
