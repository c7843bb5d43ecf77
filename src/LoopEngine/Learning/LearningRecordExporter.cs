using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace LoopEngine.Learning;

/// <summary>
/// Turns ended loops into learning records and streams them as JSON Lines or CSV (one row per step), page by page,
/// without holding the dataset in memory. The formats are documented in <c>docs/learning.md</c>.
/// </summary>
public sealed class LearningRecordExporter
{
    /// <summary>The CSV columns, in order.</summary>
    public static readonly IReadOnlyList<string> CsvColumns =
    [
        "org_id", "loop_id", "definition_version", "aggregate_id", "correlation_id", "loop_status", "final_state",
        "opened_at", "closed_at", "duration_ms", "caused_by", "sequence", "transition_id", "from_state", "to_state",
        "actor_type", "actor_id", "model_id", "confidence", "recommender_type", "recommender_id", "recommendation_id",
        "approver_id", "occurred_at", "elapsed_ms", "evidence", "outcome_id", "outcome_metrics",
    ];

    private static readonly LoopStatus[] Ended = [LoopStatus.Closed, LoopStatus.Error, LoopStatus.Cancelled];
    private readonly ILoopStore _store;
    private readonly ILearningStore _learning;

    /// <summary>Creates the exporter.</summary>
    /// <param name="store">The loop store.</param>
    /// <param name="learningStore">The learning store (outcomes).</param>
    public LearningRecordExporter(ILoopStore store, ILearningStore learningStore)
    {
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _learning = learningStore ?? throw new ArgumentNullException(nameof(learningStore));
    }

    /// <summary>Builds a learning record from an ended instance, its trace and its outcome.</summary>
    /// <param name="instance">The instance.</param>
    /// <param name="trace">Its trace, in sequence order.</param>
    /// <param name="outcome">Its outcome, or <see langword="null"/>.</param>
    /// <returns>The record.</returns>
    public static LearningRecord Build(LoopInstance instance, IReadOnlyList<TransitionRecord> trace, LoopOutcome? outcome)
    {
        ArgumentNullException.ThrowIfNull(instance);
        ArgumentNullException.ThrowIfNull(trace);
        var steps = new List<LearningStep>(trace.Count);
        var timeInState = new Dictionary<string, long>(StringComparer.Ordinal);
        for (var i = 0; i < trace.Count; i++)
        {
            var r = trace[i];
            var elapsed = i == 0 ? 0 : (long)(r.OccurredAt - trace[i - 1].OccurredAt).TotalMilliseconds;
            if (i > 0 && r.FromState is { } from)
            {
                timeInState[from] = timeInState.GetValueOrDefault(from) + elapsed;
            }

            steps.Add(new LearningStep
            {
                Sequence = r.Sequence,
                TransitionId = r.TransitionId,
                FromState = r.FromState,
                ToState = r.ToState,
                ActorType = r.Actor.Type.ToWireName(),
                ActorId = r.Actor.Id,
                ModelId = r.Actor.ModelId,
                Confidence = r.Actor.Confidence,
                RecommenderType = r.Recommender?.Type.ToWireName(),
                RecommenderId = r.Recommender?.Id,
                RecommendationId = r.RecommendationId,
                ApproverId = r.Recommender is null ? null : r.Actor.Id,
                OccurredAt = r.OccurredAt,
                ElapsedMs = elapsed,
                Evidence = r.Evidence.Root.Clone(),
                RecommendationEvidence = r.RecommendationEvidence?.Root.Clone(),
                Warnings = [.. r.Warnings.Select(w => w.GuardId)],
            });
        }

        var closedAt = instance.ClosedAt ?? instance.UpdatedAt;
        return new LearningRecord
        {
            OrgId = instance.OrgId,
            LoopId = instance.LoopId,
            DefinitionVersion = instance.DefinitionVersion,
            AggregateId = instance.AggregateId,
            CorrelationId = instance.CorrelationId,
            Status = instance.Status.ToString().ToLowerInvariant(),
            FinalState = instance.CurrentState,
            OpenedAt = instance.OpenedAt,
            ClosedAt = closedAt,
            DurationMs = (long)(closedAt - instance.OpenedAt).TotalMilliseconds,
            CausedBy = trace.Count > 0 ? trace[0].CausationId : null,
            CauseEvidence = trace.Count > 0 ? trace[0].Evidence.Root.Clone() : null,
            Steps = steps,
            TimeInStateMs = timeInState,
            Outcome = outcome is null ? null : ToLearningOutcome(outcome),
        };
    }

    /// <summary>Streams the learning records of the ended loops a query selects, ordered by (opened at, aggregate id).</summary>
    /// <param name="query">The loops to export.</param>
    /// <param name="cancellationToken">Cancels the enumeration.</param>
    /// <returns>The records.</returns>
    public async IAsyncEnumerable<LearningRecord> ReadAsync(LearningQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.AggregateId is { } aggregateId)
        {
            var instance = await _store.GetInstanceAsync(query.OrgId, aggregateId, cancellationToken).ConfigureAwait(false);
            if (instance is not null && Selects(query, instance) && await BuildAsync(query, instance, cancellationToken).ConfigureAwait(false) is { } one)
            {
                yield return one;
            }

            yield break;
        }

        string? token = null;
        do
        {
            var page = await _store.QueryInstancesAsync(
                new InstanceQuery
                {
                    OrgId = query.OrgId,
                    LoopId = query.LoopId,
                    Statuses = Ended,
                    ClosedFrom = query.ClosedFrom,
                    ClosedTo = query.ClosedTo,
                    PageSize = InstanceQuery.MaxPageSize,
                    ContinuationToken = token,
                },
                cancellationToken).ConfigureAwait(false);
            foreach (var instance in page.Items)
            {
                if (await BuildAsync(query, instance, cancellationToken).ConfigureAwait(false) is { } record)
                {
                    yield return record;
                }
            }

            token = page.ContinuationToken;
        }
        while (token is not null);
    }

    /// <summary>Writes the learning records as JSON Lines: one UTF-8 JSON object per line, each written and flushed as it is read.</summary>
    /// <param name="destination">The stream to write to (left open).</param>
    /// <param name="query">The loops to export.</param>
    /// <param name="cancellationToken">Cancels the export.</param>
    /// <returns>The number of records written.</returns>
    public async Task<long> WriteJsonLinesAsync(Stream destination, LearningQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        long count = 0;
        await foreach (var record in ReadAsync(query, cancellationToken).ConfigureAwait(false))
        {
            await JsonSerializer.SerializeAsync(destination, record, LearningJsonContext.Default.LearningRecord, cancellationToken).ConfigureAwait(false);
            destination.WriteByte((byte)'\n');
            count++;
        }

        await destination.FlushAsync(cancellationToken).ConfigureAwait(false);
        return count;
    }

    /// <summary>Reads JSON Lines written by <see cref="WriteJsonLinesAsync"/>, one record per line, streaming.</summary>
    /// <param name="source">The stream to read (left open).</param>
    /// <param name="cancellationToken">Cancels the enumeration.</param>
    /// <returns>The records.</returns>
    /// <exception cref="JsonException">A line is not a learning record.</exception>
    public static async IAsyncEnumerable<LearningRecord> ReadJsonLinesAsync(Stream source, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        using var reader = new StreamReader(source, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, leaveOpen: true);
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }

            yield return JsonSerializer.Deserialize(line, LearningJsonContext.Default.LearningRecord)
                ?? throw new JsonException("A JSON Lines line is null, not a learning record.");
        }
    }

    /// <summary>
    /// Writes the learning records as CSV (RFC 4180, UTF-8, header row <see cref="CsvColumns"/>): one row per step; the
    /// loop's fields repeat on each of its rows, evidence and the outcome's metrics are compact JSON cells.
    /// </summary>
    /// <param name="destination">The stream to write to (left open).</param>
    /// <param name="query">The loops to export.</param>
    /// <param name="cancellationToken">Cancels the export.</param>
    /// <returns>The number of rows written, the header excluded.</returns>
    public async Task<long> WriteCsvAsync(Stream destination, LearningQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var writer = new StreamWriter(destination, new UTF8Encoding(false), 16 * 1024, leaveOpen: true) { NewLine = "\r\n" };
        await using (writer.ConfigureAwait(false))
        {
            await writer.WriteLineAsync(string.Join(',', CsvColumns)).ConfigureAwait(false);
            long rows = 0;
            var line = new StringBuilder(512);
            await foreach (var record in ReadAsync(query, cancellationToken).ConfigureAwait(false))
            {
                var outcomeMetrics = record.Outcome is null ? string.Empty
                    : JsonSerializer.Serialize(record.Outcome, LearningJsonContext.Default.LearningOutcome);
                foreach (var s in record.Steps)
                {
                    line.Clear();
                    Append(line, record.OrgId, record.LoopId, record.DefinitionVersion, record.AggregateId, record.CorrelationId, record.Status,
                        record.FinalState, Iso(record.OpenedAt), Iso(record.ClosedAt), Num(record.DurationMs), record.CausedBy,
                        Num(s.Sequence), s.TransitionId, s.FromState, s.ToState, s.ActorType, s.ActorId, s.ModelId,
                        s.Confidence?.ToString("R", CultureInfo.InvariantCulture), s.RecommenderType, s.RecommenderId, s.RecommendationId,
                        s.ApproverId, Iso(s.OccurredAt), Num(s.ElapsedMs), s.Evidence.GetRawText(), record.Outcome?.OutcomeId, outcomeMetrics);
                    await writer.WriteLineAsync(line, cancellationToken).ConfigureAwait(false);
                    rows++;
                }

                await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
            }

            return rows;
        }
    }

    internal static LearningOutcome ToLearningOutcome(LoopOutcome outcome) => new()
    {
        OutcomeId = outcome.OutcomeId,
        ValueUnit = outcome.ValueUnit,
        RecordedAt = outcome.RecordedAt,
        Metrics = [.. outcome.Metrics.Select(m => new LearningMetric
        {
            MetricId = m.MetricId,
            Kind = LearningEventWriter.KindName(m.Kind),
            Unit = m.Unit,
            Predicted = ToElement(m.Predicted, m.Unit),
            Actual = ToElement(m.Actual, m.Unit),
            Delta = m.Delta,
            Hit = m.IsHit,
        })],
    };

    private static JsonElement? ToElement(OutcomeValue? value, string unit)
    {
        if (value is null)
        {
            return null;
        }

        var buffer = new System.Buffers.ArrayBufferWriter<byte>(64);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            LearningEventWriter.WriteValue(w, "v", value, unit);
            w.WriteEndObject();
        }

        using var doc = JsonDocument.Parse(buffer.WrittenMemory);
        return doc.RootElement.GetProperty("v").Clone();
    }

    private static bool Selects(LearningQuery q, LoopInstance i) =>
        i.IsEnded
        && (q.LoopId is null || string.Equals(q.LoopId, i.LoopId, StringComparison.Ordinal))
        && (q.ClosedFrom is null || i.ClosedAt >= q.ClosedFrom)
        && (q.ClosedTo is null || i.ClosedAt < q.ClosedTo);

    private async ValueTask<LearningRecord?> BuildAsync(LearningQuery query, LoopInstance instance, CancellationToken cancellationToken)
    {
        var outcome = await _learning.GetOutcomeAsync(instance.OrgId, instance.AggregateId, cancellationToken).ConfigureAwait(false);
        if (outcome is null && !query.IncludeWithoutOutcome)
        {
            return null;
        }

        var trace = await _store.ReadTraceAsync(instance.OrgId, instance.AggregateId, cancellationToken: cancellationToken).ConfigureAwait(false);
        return Build(instance, trace, outcome);
    }

    private static string Iso(DateTimeOffset value) => LearningEventWriter.Timestamp(value);

    private static string Num(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static void Append(StringBuilder line, params string?[] cells)
    {
        for (var i = 0; i < cells.Length; i++)
        {
            if (i > 0)
            {
                line.Append(',');
            }

            var cell = cells[i] ?? string.Empty;
            if (cell.AsSpan().IndexOfAny(",\"\r\n") >= 0)
            {
                line.Append('"').Append(cell.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
            }
            else
            {
                line.Append(cell);
            }
        }
    }
}
