namespace LoopEngine.Learning;

/// <summary>Records ended loops' outcomes (predicted vs actual) and updates the estimates they feed.</summary>
public interface IOutcomeRecorder
{
    /// <summary>
    /// Records an outcome: validates each metric against the loop's outcome spec, stores the outcome (merged by metric id
    /// with an earlier record), updates the estimates named by the metrics' <c>updates</c> rules, and emits
    /// <c>loop.outcome.recorded</c> and one <c>loopengine.estimate.updated</c> per estimate.
    /// </summary>
    /// <param name="record">The outcome.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The stored outcome and the estimate updates.</returns>
    /// <exception cref="LoopNotFoundException">No loop exists for the aggregate in the org.</exception>
    /// <exception cref="LoopNotEndedException">The loop has not ended.</exception>
    /// <exception cref="UnknownOutcomeMetricException">A metric id is not declared by the outcome spec.</exception>
    /// <exception cref="OutcomeMetricTypeException">A value's kind differs from the metric's declared kind, or predicted and actual differ in kind.</exception>
    ValueTask<OutcomeResult> RecordOutcomeAsync(OutcomeRecord record, CancellationToken cancellationToken = default);

    /// <summary>Reads a loop's recorded outcome.</summary>
    /// <param name="orgId">The org, or <see langword="null"/> for <see cref="LearningOptions.DefaultOrgId"/>.</param>
    /// <param name="aggregateId">The aggregate id.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The outcome, or <see langword="null"/> when none was recorded.</returns>
    ValueTask<LoopOutcome?> GetOutcomeAsync(string? orgId, string aggregateId, CancellationToken cancellationToken = default);
}
