using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace LoopEngine.Learning;

/// <summary>
/// Records ended loops' outcomes against their definitions' outcome specs, stores them in the <see cref="ILearningStore"/>,
/// updates the estimates the metrics' <c>updates</c> rules name, and emits the events to the loop store's stream.
/// </summary>
public sealed partial class LoopOutcomes : IOutcomeRecorder
{
    private readonly ILoopStore _store;
    private readonly ILearningStore _learning;
    private readonly Func<string, string, LoopDefinition> _definitions;
    private readonly ILoopIdGenerator _ids;
    private readonly TimeProvider _time;
    private readonly LearningOptions _options;

    /// <summary>Creates the service.</summary>
    /// <param name="store">The loop store (instances, traces, event stream).</param>
    /// <param name="learningStore">Where outcomes and estimates are kept.</param>
    /// <param name="registry">The definitions, by loop id and version.</param>
    /// <param name="ids">Generates event ids.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <param name="options">The options; <see langword="null"/> for the defaults.</param>
    public LoopOutcomes(ILoopStore store, ILearningStore learningStore, LoopRegistry registry, ILoopIdGenerator ids, TimeProvider timeProvider, IOptions<LearningOptions>? options = null)
        : this(store, learningStore, (registry ?? throw new ArgumentNullException(nameof(registry))).Get, ids, timeProvider, options)
    {
    }

    internal LoopOutcomes(ILoopStore store, ILearningStore learningStore, Func<string, string, LoopDefinition> definitions, ILoopIdGenerator ids, TimeProvider timeProvider, IOptions<LearningOptions>? options)
    {
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _learning = learningStore ?? throw new ArgumentNullException(nameof(learningStore));
        _definitions = definitions;
        _ids = ids ?? throw new ArgumentNullException(nameof(ids));
        _time = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        _options = options?.Value ?? new LearningOptions();
    }

    /// <inheritdoc/>
    public async ValueTask<LoopOutcome?> GetOutcomeAsync(string? orgId, string aggregateId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(aggregateId);
        return await _learning.GetOutcomeAsync(orgId ?? _options.DefaultOrgId, aggregateId, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask<OutcomeResult> RecordOutcomeAsync(OutcomeRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentException.ThrowIfNullOrEmpty(record.AggregateId);
        var orgId = record.OrgId ?? _options.DefaultOrgId;
        var instance = await _store.GetInstanceAsync(orgId, record.AggregateId, cancellationToken).ConfigureAwait(false)
            ?? throw new LoopNotFoundException($"No loop exists for aggregate '{record.AggregateId}' in org '{orgId}'.");
        if (!instance.IsEnded)
        {
            throw new LoopNotEndedException(
                $"Loop '{instance.LoopId}' for aggregate '{instance.AggregateId}' is {instance.Status} in state {instance.CurrentState}: "
                + "an outcome can be recorded only once the loop has closed, failed or been cancelled.");
        }

        var definition = _definitions(instance.LoopId, instance.DefinitionVersion);
        var spec = definition.Outcome;
        var given = Validate(record, instance, spec);

        var existing = await _learning.GetOutcomeAsync(orgId, instance.AggregateId, cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        var eventId = _ids.NewId("evt");
        var metrics = new List<MetricComparison>();
        foreach (var metric in spec.BusinessMetrics)
        {
            if (given.TryGetValue(metric.Id, out var value))
            {
                metrics.Add(Compare(metric, value));
            }
            else if (existing?[metric.Id] is { } earlier)
            {
                metrics.Add(earlier);
            }
        }

        var outcome = new LoopOutcome
        {
            OrgId = orgId,
            LoopId = instance.LoopId,
            DefinitionVersion = instance.DefinitionVersion,
            AggregateId = instance.AggregateId,
            CorrelationId = instance.CorrelationId,
            OutcomeId = spec.Id,
            ValueUnit = spec.ValueUnit,
            Status = instance.Status,
            FinalState = instance.CurrentState,
            OpenedAt = instance.OpenedAt,
            ClosedAt = instance.ClosedAt ?? instance.UpdatedAt,
            RecordedAt = now,
            EventId = eventId,
            Metrics = metrics,
        };
        var events = new List<LoopEvent> { LearningEventWriter.OutcomeRecorded(eventId, outcome, now, record.CausationId) };
        var updates = new List<EstimateUpdate>();
        var unresolved = new List<string>();
        IReadOnlyList<TransitionRecord>? trace = null;
        foreach (var metric in spec.BusinessMetrics)
        {
            if (metric.Updates is null || !given.TryGetValue(metric.Id, out var value) || value.Actual is null
                || Observation(value.Actual, UnitOf(metric)) is not { } observation)
            {
                continue;
            }

            // Each loop's actual feeds an estimate once: a metric whose actual an earlier record of this outcome already
            // holds was applied then (estimates are written before the outcome), so a retry or a correction does not
            // count the loop twice.
            if (existing?[metric.Id]?.Actual is not null)
            {
                continue;
            }

            trace ??= await _store.ReadTraceAsync(orgId, instance.AggregateId, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (ResolveKey(metric.Updates, trace) is not { } key)
            {
                unresolved.Add(metric.Updates);
                continue;
            }

            var prior = value.Predicted is null ? null : Observation(value.Predicted, UnitOf(metric));
            if (await UpdateEstimateAsync(outcome, metric, key, observation, prior, movedNow: updates.Exists(u => string.Equals(u.Key, key, StringComparison.Ordinal)), cancellationToken).ConfigureAwait(false) is { } update)
            {
                updates.Add(update.Update);
                events.Add(update.Event);
            }
        }

        // Estimates first, then the outcome that marks their actuals as applied, then the events that announce both (one
        // atomic, events-only commit). A failure between steps is repaired by recording the outcome again: an estimate
        // this loop already moved is recognised by its last aggregate id and not moved twice (its update event is then
        // not emitted a second time: the estimate's stored version and last aggregate id still attribute the change).
        await _learning.SaveOutcomeAsync(outcome, cancellationToken).ConfigureAwait(false);
        var commit = await _store.CommitAsync(new StoreCommit { OrgId = orgId, Events = events }, cancellationToken).ConfigureAwait(false);
        if (!commit.IsCommitted)
        {
            throw new InvalidOperationException($"The store refused the events of the outcome of aggregate '{instance.AggregateId}': {commit.Outcome}.");
        }

        return new OutcomeResult(outcome, updates, unresolved);
    }

    /// <summary>Resolves <c>{evidence.x}</c> placeholders from the latest trace record whose evidence has a non-null <c>x</c>.</summary>
    internal static string? ResolveKey(string template, IReadOnlyList<TransitionRecord> trace)
    {
        var missing = false;
        var key = Placeholder().Replace(template, match =>
        {
            var field = match.Groups[1].Value;
            for (var i = trace.Count - 1; i >= 0; i--)
            {
                if (trace[i].Evidence.TryGetProperty(field, out var v) && v.ValueKind != JsonValueKind.Null)
                {
                    return v.ValueKind == JsonValueKind.String ? v.GetString()! : v.GetRawText();
                }
            }

            missing = true;
            return string.Empty;
        });
        return missing ? null : key;
    }

    private static string UnitOf(BusinessMetric metric) => metric.KindUnit ?? metric.Unit;

    private static double? Observation(OutcomeValue value, string unit) => value.Kind switch
    {
        OutcomeMetricKind.Number => value.NumberValue,
        OutcomeMetricKind.Duration => DurationUnits.ToNumber(value.DurationValue, unit),
        OutcomeMetricKind.Boolean => value.BooleanValue ? 1 : 0,
        _ => null,
    };

    private static Dictionary<string, OutcomeMetricValue> Validate(OutcomeRecord record, LoopInstance instance, OutcomeSpec spec)
    {
        var given = new Dictionary<string, OutcomeMetricValue>(StringComparer.Ordinal);
        foreach (var value in record.Metrics)
        {
            ArgumentNullException.ThrowIfNull(value);
            var metric = spec.BusinessMetrics.FirstOrDefault(m => string.Equals(m.Id, value.MetricId, StringComparison.Ordinal));
            if (metric is null)
            {
                var valid = spec.BusinessMetrics.Count == 0 ? "none" : string.Join(", ", spec.BusinessMetrics.Select(m => m.Id));
                throw new UnknownOutcomeMetricException(
                    $"Business metric '{value.MetricId}' is not declared by outcome '{spec.Id}' of loop '{instance.LoopId}' {instance.DefinitionVersion}. The valid metrics are: {valid}.");
            }

            if (value.Predicted is { } p && value.Actual is { } a && p.Kind != a.Kind)
            {
                throw new OutcomeMetricTypeException(
                    $"Business metric '{metric.Id}' has a predicted {LearningEventWriter.KindName(p.Kind)} and an actual {LearningEventWriter.KindName(a.Kind)}; both must be of one kind.");
            }

            var kind = (value.Actual ?? value.Predicted)?.Kind;
            if (metric.Kind is { } declared && kind is { } k && k != declared)
            {
                throw new OutcomeMetricTypeException(
                    $"Business metric '{metric.Id}' of loop '{instance.LoopId}' is a {LearningEventWriter.KindName(declared)}, but a {LearningEventWriter.KindName(k)} was given.");
            }

            if (!given.TryAdd(metric.Id, value))
            {
                throw new ArgumentException($"Business metric '{metric.Id}' is given more than once.", nameof(record));
            }
        }

        return given;
    }

    private static MetricComparison Compare(BusinessMetric metric, OutcomeMetricValue value)
    {
        var kind = metric.Kind ?? (value.Actual ?? value.Predicted)?.Kind ?? OutcomeMetricKind.Number;
        var unit = UnitOf(metric);
        double? delta = null;
        TimeSpan? durationDelta = null;
        bool? hit = null;
        if (value is { Predicted: { } p, Actual: { } a })
        {
            switch (kind)
            {
                case OutcomeMetricKind.Number:
                    delta = a.NumberValue - p.NumberValue;
                    break;
                case OutcomeMetricKind.Duration:
                    durationDelta = a.DurationValue - p.DurationValue;
                    delta = DurationUnits.ToNumber(durationDelta.Value, unit);
                    break;
                default:
                    hit = p == a;
                    break;
            }
        }

        return new MetricComparison { MetricId = metric.Id, Kind = kind, Unit = unit, Predicted = value.Predicted, Actual = value.Actual, Delta = delta, DurationDelta = durationDelta, IsHit = hit };
    }

    private async ValueTask<(EstimateUpdate Update, LoopEvent Event)?> UpdateEstimateAsync(LoopOutcome outcome, BusinessMetric metric, string key, double observation, double? prior, bool movedNow, CancellationToken cancellationToken)
    {
        var spec = _options.EstimatorFor(key);
        for (var attempt = 0; attempt < _options.MaxEstimateRetries; attempt++)
        {
            var current = await _learning.GetEstimateAsync(outcome.OrgId, key, cancellationToken).ConfigureAwait(false);
            if (!movedNow && current is not null && string.Equals(current.LastAggregateId, outcome.AggregateId, StringComparison.Ordinal))
            {
                // This loop moved the estimate last, and not in this call (two metrics may feed one key): an earlier attempt
                // stored it but failed before storing the outcome.
                return null;
            }

            var (value, count, window) = Estimators.Apply(current, observation, prior, spec);
            var next = new Estimate
            {
                OrgId = outcome.OrgId,
                Key = key,
                Estimator = current?.Estimator ?? spec.Kind,
                Value = value,
                Unit = current?.Unit ?? UnitOf(metric),
                Count = count,
                Version = (current?.Version ?? 0) + 1,
                UpdatedAt = outcome.RecordedAt,
                LastAggregateId = outcome.AggregateId,
                Window = window,
            };
            if (await _learning.TrySaveEstimateAsync(next, current?.Version ?? 0, cancellationToken).ConfigureAwait(false))
            {
                var eventId = _ids.NewId("evt");
                var evt = LearningEventWriter.EstimateUpdated(eventId, outcome, outcome.EventId, metric.Id, current?.Value, next, observation, outcome.RecordedAt);
                return (new EstimateUpdate(key, metric.Id, current?.Value, value, observation, next, eventId), evt);
            }
        }

        throw new InvalidOperationException($"Estimate '{key}' kept changing concurrently; gave up after {_options.MaxEstimateRetries} attempts.");
    }

    [GeneratedRegex(@"\{evidence\.([A-Za-z0-9_\-]+)\}", RegexOptions.CultureInvariant)]
    private static partial Regex Placeholder();
}
