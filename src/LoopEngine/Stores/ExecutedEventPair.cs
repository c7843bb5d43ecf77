using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace LoopEngine;

/// <summary>
/// The requested and executed events of an executed transition, as the engine writes them. Every value they hold is in
/// the trace record they accompany, except their ids and the executed event's duration, so a store may keep only those
/// and write the two events again from the record, byte for byte.
/// </summary>
internal static class ExecutedEventPair
{
    /// <summary>
    /// Tells whether <paramref name="requested"/> and <paramref name="executed"/> are exactly the events the engine wrote for
    /// <paramref name="record"/>: both pristine (see <see cref="IsPristine"/>), with the record's envelope and values.
    /// </summary>
    /// <param name="requested">The first event.</param>
    /// <param name="executed">The event after it.</param>
    /// <param name="record">The trace record of the same commit.</param>
    /// <param name="durationMs">The executed event's duration, when they are.</param>
    /// <returns>Whether <see cref="Requested"/> and <see cref="Executed"/> write them again.</returns>
    public static bool TryMatch(LoopEvent requested, LoopEvent executed, TransitionRecord record, out long durationMs)
    {
        durationMs = 0;
        if (!IsPristine(requested, LoopEventTypes.TransitionRequested, LoopRuntime.RequestedFields, out var asked)
            || !IsPristine(executed, LoopEventTypes.Executed, LoopRuntime.ExecutedFields, out var done))
        {
            return false;
        }

        var request = asked.State;
        var step = done.State;
        if (!IsEnvelopeOf(requested, asked.CausationId, record) || !IsEnvelopeOf(executed, done.CausationId, record)
            || record.FromState is null
            || !string.Equals(request.Transition, record.TransitionId, StringComparison.Ordinal)
            || !ReferenceEquals(request.Actor, record.Actor) || !ReferenceEquals(request.Evidence, record.Evidence)
            || TraceCanonicalizer.Truncate(request.Now) != record.OccurredAt
            || !string.Equals(step.From, record.FromState, StringComparison.Ordinal)
            || !string.Equals(step.To, record.ToState, StringComparison.Ordinal)
            || !string.Equals(step.Transition, record.TransitionId, StringComparison.Ordinal)
            || !ReferenceEquals(step.Actor, record.Actor) || !ReferenceEquals(step.Evidence, record.Evidence))
        {
            return false;
        }

        durationMs = step.DurationMs;
        return true;
    }

    /// <summary>A record of a commit (its index) that holds the requested event at <see cref="Index"/> and the executed event after it.</summary>
    public readonly record struct Held(int Record, int Index, long DurationMs);

    /// <summary>
    /// Finds the commit's requested + executed pairs that its trace records can hold (see <see cref="TryMatch"/>): at most
    /// one per record, the executed event right after the requested one.
    /// </summary>
    public static Held[]? FindHeld(StoreCommit commit)
    {
        Held[]? pairs = null;
        var count = 0;
        var events = commit.Events;
        var records = commit.Records;
        for (var i = 0; i + 1 < events.Count; i++)
        {
            if (!string.Equals(events[i].Type, LoopEventTypes.TransitionRequested, StringComparison.Ordinal)
                || !string.Equals(events[i + 1].Type, LoopEventTypes.Executed, StringComparison.Ordinal))
            {
                continue;
            }

            for (var r = 0; r < records.Count; r++)
            {
                var record = records[r];
                if (string.Equals(record.AggregateId, events[i].AggregateId, StringComparison.Ordinal)
                    && string.Equals(record.OrgId, commit.OrgId, StringComparison.Ordinal)
                    && HeldBy(pairs.AsSpan(0, count), r) is null
                    && TryMatch(events[i], events[i + 1], record, out var duration))
                {
                    pairs ??= new Held[records.Count];
                    pairs[count++] = new Held(r, i, duration);
                    i++;
                    break;
                }
            }
        }

        return pairs is null || count == pairs.Length ? pairs : pairs[..count];
    }

    /// <summary>Gets the pair held by the record at index <paramref name="record"/> of the commit, if any.</summary>
    public static Held? HeldBy(ReadOnlySpan<Held> pairs, int record)
    {
        foreach (var pair in pairs)
        {
            if (pair.Record == record)
            {
                return pair;
            }
        }

        return null;
    }

    /// <summary>Tells whether the event at index <paramref name="eventIndex"/> of the commit is held by a record.</summary>
    public static bool IsHeld(ReadOnlySpan<Held> pairs, int eventIndex)
    {
        foreach (var pair in pairs)
        {
            if (pair.Index == eventIndex || pair.Index + 1 == eventIndex)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Writes the requested event of <paramref name="record"/> again.</summary>
    /// <param name="record">The trace record.</param>
    /// <param name="id">The event id's bits.</param>
    /// <param name="position">Its position.</param>
    /// <returns>The event, as committed.</returns>
    public static LoopEvent Requested(TransitionRecord record, (ulong High, ulong Low) id, long position) =>
        Event(LoopEventTypes.TransitionRequested, Envelope(record), StoredPair.Of(record, durationMs: 0), id, position, RequestedFields);

    /// <summary>Writes the executed event of <paramref name="record"/> again.</summary>
    /// <param name="record">The trace record.</param>
    /// <param name="id">The event id's bits.</param>
    /// <param name="durationMs">The duration it states.</param>
    /// <param name="position">Its position.</param>
    /// <returns>The event, as committed.</returns>
    public static LoopEvent Executed(TransitionRecord record, (ulong High, ulong Low) id, long durationMs, long position) =>
        Event(LoopEventTypes.Executed, Envelope(record), StoredPair.Of(record, durationMs), id, position, ExecutedFields);

    /// <summary>
    /// Writes a held pair again from a store's row: its envelope and the values the two events write, read without parsing
    /// (the evidence is parsed when an event's JSON is first written; readers of the envelope alone never pay for it).
    /// </summary>
    /// <param name="envelope">The events' org, loop, aggregate, correlation, causation and time (the record's).</param>
    /// <param name="stored">The values the events write.</param>
    /// <param name="requestedId">The requested event id's bits.</param>
    /// <param name="executedId">The executed event id's bits.</param>
    /// <param name="position">The requested event's position; the executed event's is the next.</param>
    /// <returns>The two events, as committed.</returns>
    public static (LoopEvent Requested, LoopEvent Executed) FromStored(
        (string OrgId, string LoopId, string AggregateId, string CorrelationId, string? CausationId, DateTimeOffset OccurredAt) envelope,
        StoredPair stored,
        (ulong High, ulong Low) requestedId,
        (ulong High, ulong Low) executedId,
        long position) =>
        (Event(LoopEventTypes.TransitionRequested, envelope, stored, requestedId, position, RequestedFields),
         Event(LoopEventTypes.Executed, envelope, stored, executedId, position + 1, ExecutedFields));

    // The engine's own writers, fed from the stored values: the JSON is the engine's, byte for byte.
    private static readonly Action<Utf8JsonWriter, StoredPair> RequestedFields =
        static (w, p) => LoopRuntime.RequestedFields(w, (p.TransitionId, p.Actor, p.Evidence, p.OccurredAt));

    private static readonly Action<Utf8JsonWriter, StoredPair> ExecutedFields =
        static (w, p) => LoopRuntime.ExecutedFields(w, (p.FromState, p.ToState, p.TransitionId, p.Actor, p.Evidence, p.DurationMs));

    private static (string OrgId, string LoopId, string AggregateId, string CorrelationId, string? CausationId, DateTimeOffset OccurredAt) Envelope(TransitionRecord r) =>
        (r.OrgId, r.LoopId, r.AggregateId, r.CorrelationId, r.CausationId, r.OccurredAt);

    private static LoopEvent Event(
        string type,
        (string OrgId, string LoopId, string AggregateId, string CorrelationId, string? CausationId, DateTimeOffset OccurredAt) envelope,
        StoredPair stored,
        (ulong High, ulong Low) id,
        long position,
        Action<Utf8JsonWriter, StoredPair> writer) =>
        new(null, id.High, id.Low, type, envelope.OrgId, envelope.LoopId, envelope.AggregateId, envelope.CorrelationId, envelope.OccurredAt,
            new EventBody<StoredPair>(envelope.CausationId, stored, writer))
        {
            Position = position,
        };

    /// <summary>The values a held pair's events write, as a store read them; stored evidence is parsed on first use.</summary>
    internal sealed class StoredPair
    {
        private readonly string? _evidenceJson;
        private Evidence? _evidence;

        /// <summary>Creates the values from a store's columns; the evidence is kept as its stored (canonical) text.</summary>
        public StoredPair(string transitionId, string fromState, string toState, Actor actor, string evidenceJson, DateTimeOffset occurredAt, long durationMs)
            : this(transitionId, fromState, toState, actor, (Evidence?)null, occurredAt, durationMs) => _evidenceJson = evidenceJson;

        private StoredPair(string transitionId, string fromState, string toState, Actor actor, Evidence? evidence, DateTimeOffset occurredAt, long durationMs)
        {
            TransitionId = transitionId;
            FromState = fromState;
            ToState = toState;
            Actor = actor;
            _evidence = evidence;
            OccurredAt = occurredAt;
            DurationMs = durationMs;
        }

        public string TransitionId { get; }

        public string FromState { get; }

        public string ToState { get; }

        public Actor Actor { get; }

        // Stored evidence is already canonical; parsing re-canonicalizes idempotently, with limits wide enough for anything once accepted.
        public Evidence Evidence => _evidence ??= Evidence.Parse(_evidenceJson!, int.MaxValue, 4096);

        /// <summary>Gets the record's time (the requested event's "now").</summary>
        public DateTimeOffset OccurredAt { get; }

        public long DurationMs { get; }

        /// <summary>Takes the values from a record held in memory (its evidence already parsed).</summary>
        public static StoredPair Of(TransitionRecord r, long durationMs) =>
            new(r.TransitionId, r.FromState ?? string.Empty, r.ToState, r.Actor, r.Evidence, r.OccurredAt, durationMs);
    }

    /// <summary>Tells whether an event's envelope is the one written from a record (its org, loop, aggregate, correlation, causation and time).</summary>
    /// <param name="e">The event.</param>
    /// <param name="causationId">The causation id its body holds.</param>
    /// <param name="r">The record.</param>
    /// <returns>Whether it is.</returns>
    public static bool IsEnvelopeOf(LoopEvent e, string? causationId, TransitionRecord r) =>
        string.Equals(e.OrgId, r.OrgId, StringComparison.Ordinal)
        && string.Equals(e.LoopId, r.LoopId, StringComparison.Ordinal)
        && string.Equals(e.AggregateId, r.AggregateId, StringComparison.Ordinal)
        && string.Equals(e.CorrelationId, r.CorrelationId, StringComparison.Ordinal)
        && string.Equals(causationId, r.CausationId, StringComparison.Ordinal)
        && e.OccurredAt.EqualsExact(r.OccurredAt);

    /// <summary>
    /// Tells whether an event is exactly as the engine created it with <paramref name="writer"/>: not a copy, no position,
    /// JSON not replaced, a default-generated id. Such an event can be written again from its values, byte for byte.
    /// </summary>
    /// <typeparam name="TState">The values the writer writes.</typeparam>
    /// <param name="e">The event.</param>
    /// <param name="type">The type it must have.</param>
    /// <param name="writer">The writer that must have written it.</param>
    /// <param name="body">Its body, when it is.</param>
    /// <returns>Whether it is.</returns>
    public static bool IsPristine<TState>(LoopEvent e, string type, Action<Utf8JsonWriter, TState> writer, [NotNullWhen(true)] out EventBody<TState>? body)
    {
        body = e.Body as EventBody<TState>;
        if (body is null
            || !ReferenceEquals(body.Writer, writer)
            || !ReferenceEquals(body.Origin, e)
            || e.Position != 0
            || !string.Equals(e.Type, type, StringComparison.Ordinal)
            || (e.JsonText is not null && !ReferenceEquals(e.JsonText, body.RenderedJson)))
        {
            return false;
        }

        var (high, low) = e.IdBits;
        return (high | low) != 0
            && (e.EventIdText is not { } text || string.Equals(text, DefaultLoopIdGenerator.Format("evt", high, low), StringComparison.Ordinal));
    }
}
