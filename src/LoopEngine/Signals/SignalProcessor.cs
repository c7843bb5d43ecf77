using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace LoopEngine.Signals;

/// <summary>What became of one raw event.</summary>
internal enum IngestOutcome
{
    Accepted,
    Duplicate,
    Late,
    UnknownType,
}

/// <summary>
/// The synchronous hot path: raw event → de-duplication and lateness → windowed features per subject → rules →
/// signal candidates. Not thread-safe (the engine serializes calls). Allocates nothing per event unless a new
/// subject appears or a signal is produced.
/// </summary>
internal sealed class SignalProcessor
{
    private readonly Dictionary<string, Route> _routes = new(StringComparer.Ordinal);
    private readonly SignalRuntime[] _signals;
    private readonly List<FeatureRuntime> _features = [];
    private readonly IReferenceData? _referenceData;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly long _lateness;
    private readonly int _maxIds;
    private readonly string _orgId;
    private readonly UnknownEventTypeHandling _unknown;
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private readonly Queue<(long At, string Id)> _seenOrder = new();
    private double[] _scratch = new double[4];
    private long _watermark = long.MinValue;

    public SignalProcessor(IReadOnlyList<SignalDefinition> definitions, IReadOnlyDictionary<string, string[]> declaredEventTypes, SignalEngineOptions options, IReferenceData? referenceData, TimeProvider time, ILogger logger)
    {
        _referenceData = referenceData;
        _time = time;
        _logger = logger;
        _lateness = options.AllowedLateness.Ticks;
        _maxIds = options.MaxTrackedEventIds;
        _orgId = options.OrgId;
        _unknown = options.UnknownEventTypes;
        _signals = new SignalRuntime[definitions.Count];
        var routeFeatures = new Dictionary<string, List<FeatureRuntime>>(StringComparer.Ordinal);
        var routeSignals = new Dictionary<string, List<SignalRuntime>>(StringComparer.Ordinal);
        for (var s = 0; s < definitions.Count; s++)
        {
            var definition = definitions[s];
            var runtime = new SignalRuntime(definition, options.MaxSubjects);
            _signals[s] = runtime;
            for (var f = 0; f < definition.Features.Count; f++)
            {
                var feature = definition.Features[f];
                if (feature.Kind == FeatureKind.Reference)
                {
                    continue;
                }

                var fr = new FeatureRuntime(feature, definition.SubjectKeys, options);
                _features.Add(fr);
                runtime.Features[f] = fr;
                Add(routeFeatures, feature.EventType!, fr);
                if (!routeSignals.TryGetValue(feature.EventType!, out var list) || !list.Contains(runtime))
                {
                    Add(routeSignals, feature.EventType!, runtime);
                }
            }
        }

        foreach (var type in routeFeatures.Keys.Concat(declaredEventTypes.Keys).Distinct(StringComparer.Ordinal))
        {
            _routes[type] = new Route(
                routeFeatures.TryGetValue(type, out var fs) ? [.. fs] : [],
                routeSignals.TryGetValue(type, out var ss) ? [.. ss] : [],
                declaredEventTypes.TryGetValue(type, out var keys) ? keys : []);
        }
    }

    public long Accepted { get; private set; }

    public long Duplicates { get; private set; }

    public long LateDropped { get; private set; }

    public long UnknownTypes { get; private set; }

    public long Emitted { get; private set; }

    public long Suppressed { get; private set; }

    public long CooledDown { get; private set; }

    public IReadOnlyList<SignalRuntime> Signals => _signals;

    public int TrackedEventIds => _seen.Count;

    public long SubjectsEvicted
    {
        get
        {
            long total = 0;
            foreach (var f in _features)
            {
                total += f.Table.Evicted;
            }

            foreach (var s in _signals)
            {
                total += s.Table.Evicted;
            }

            return total;
        }
    }

    public long Subjects
    {
        get
        {
            long total = 0;
            foreach (var f in _features)
            {
                total += f.Table.Count;
            }

            foreach (var s in _signals)
            {
                total += s.Table.Count;
            }

            return total;
        }
    }

    public SignalRuntime? Find(string type)
    {
        foreach (var s in _signals)
        {
            if (string.Equals(s.Definition.Type, type, StringComparison.Ordinal))
            {
                return s;
            }
        }

        return null;
    }

    /// <summary>Processes one event; signal candidates are added to <paramref name="output"/>.</summary>
    /// <exception cref="SignalEventException">The event is rejected.</exception>
    public IngestOutcome Process(RawEvent e, List<Signal> output)
    {
        if (!_routes.TryGetValue(e.Type, out var route))
        {
            UnknownTypes++;
            if (_unknown == UnknownEventTypeHandling.Reject)
            {
                throw new SignalEventException(SignalEventError.UnknownEventType, e.Id, e.Type, $"Event '{e.Id}' has type '{e.Type}', which no signal reads and none declares; known types: {string.Join(", ", _routes.Keys)}.");
            }

            SignalLog.UnknownEventType(_logger, e.Id, e.Type);
            return IngestOutcome.UnknownType;
        }

        foreach (var key in route.RequiredKeys)
        {
            if (!e.Keys.ContainsKey(key))
            {
                throw new SignalEventException(SignalEventError.MissingSubjectKey, e.Id, e.Type, $"Event '{e.Id}' of type '{e.Type}' lacks the subject key '{key}'; the type requires: {string.Join(", ", route.RequiredKeys)}.");
            }
        }

        var kind = e.Payload.ValueKind;
        if (kind != JsonValueKind.Object && kind != JsonValueKind.Undefined)
        {
            throw new SignalEventException(SignalEventError.MalformedPayload, e.Id, e.Type, $"Event '{e.Id}' of type '{e.Type}' has a payload that is {kind}, not a JSON object.");
        }

        // Read every value first, so a malformed field rejects the event before any window changes.
        var features = route.Features;
        if (_scratch.Length < features.Length)
        {
            _scratch = new double[features.Length * 2];
        }

        for (var i = 0; i < features.Length; i++)
        {
            _scratch[i] = features[i].Extract(e);
        }

        var at = e.OccurredAt.UtcTicks;
        if (_watermark != long.MinValue && at < _watermark - _lateness)
        {
            LateDropped++;
            SignalLog.LateEventDropped(_logger, e.Id, e.Type, e.OccurredAt, new DateTimeOffset(_watermark, TimeSpan.Zero), TimeSpan.FromTicks(_lateness));
            return IngestOutcome.Late;
        }

        if (!_seen.Add(e.Id))
        {
            Duplicates++;
            return IngestOutcome.Duplicate;
        }

        if (at > _watermark)
        {
            _watermark = at;
        }

        _seenOrder.Enqueue((at, e.Id));
        var horizon = _watermark - _lateness;
        while (_seenOrder.Count > 0 && (_seenOrder.Peek().At < horizon || _seenOrder.Count > _maxIds))
        {
            _seen.Remove(_seenOrder.Dequeue().Id);
        }

        Accepted++;
        for (var i = 0; i < features.Length; i++)
        {
            var value = _scratch[i];
            if (!double.IsNaN(value))
            {
                features[i].Feed(e, at, value);
            }
        }

        var signals = route.Signals;
        for (var i = 0; i < signals.Length; i++)
        {
            Evaluate(signals[i], e, at, output);
        }

        return IngestOutcome.Accepted;
    }

    private void Evaluate(SignalRuntime signal, RawEvent e, long at, List<Signal> output)
    {
        if (!SubjectKey.TryCreate(signal.SubjectKeys, e.Keys, out var key))
        {
            return;
        }

        var definition = signal.Definition;
        var values = signal.Values;
        var features = signal.Features;
        for (var i = 0; i < values.Length; i++)
        {
            var fr = features[i];
            var value = double.NaN;
            if (fr is null)
            {
                var reference = definition.Features[i];
                if (_referenceData is not null && _referenceData.TryGetValue(reference.ReferenceName!, e.Keys, out var v))
                {
                    value = v;
                }
                else if (reference.DefaultValue is { } d)
                {
                    value = d;
                }
            }
            else
            {
                value = fr.Read(e, _watermark);
            }

            values[i] = value;
        }

        var state = signal.Table.GetOrAdd(key);
        var arguments = new ScoringArguments(definition, values, e);
        if (!signal.Evaluator.TryScore(values, state, arguments, out var confidence))
        {
            return;
        }

        var threshold = signal.Threshold;
        if (confidence >= threshold)
        {
            if (state.LastEmittedAt != long.MinValue && at - state.LastEmittedAt < signal.CooldownTicks && at >= state.LastEmittedAt)
            {
                CooledDown++;
                return;
            }

            state.LastEmittedAt = at;
            Emitted++;
            output.Add(CreateSignal(signal, e, confidence, threshold, SignalStatus.Emitted));
        }
        else if (confidence >= threshold - definition.Calibration.ShadowMargin && definition.Calibration.ShadowMargin > 0)
        {
            Suppressed++;
            output.Add(CreateSignal(signal, e, confidence, threshold, SignalStatus.Suppressed));
        }
    }

    private Signal CreateSignal(SignalRuntime signal, RawEvent e, double confidence, double threshold, SignalStatus status)
    {
        var definition = signal.Definition;
        var subject = new Dictionary<string, string>(definition.SubjectKeys.Count, StringComparer.Ordinal);
        foreach (var k in definition.SubjectKeys)
        {
            subject[k] = e.Keys[k];
        }

        var attributes = new Dictionary<string, double>(signal.AttributeIndexes.Length, StringComparer.Ordinal);
        foreach (var index in signal.AttributeIndexes)
        {
            var value = signal.Values[index];
            if (!double.IsNaN(value))
            {
                attributes[definition.Features[index].Name] = value;
            }
        }

        return new Signal
        {
            Id = $"sig_{definition.Type}_{e.Id}",
            Type = definition.Type,
            OrgId = _orgId,
            Subject = subject,
            Confidence = confidence,
            Threshold = threshold,
            Attributes = attributes,
            OccurredAt = e.OccurredAt,
            DetectedAt = _time.GetUtcNow(),
            Status = status,
            EventId = e.Id,
        };
    }

    private static void Add<T>(Dictionary<string, List<T>> map, string key, T value)
    {
        if (!map.TryGetValue(key, out var list))
        {
            map[key] = list = [];
        }

        list.Add(value);
    }

    private sealed record Route(FeatureRuntime[] Features, SignalRuntime[] Signals, string[] RequiredKeys);
}

/// <summary>One feature's runtime: its subject table and window geometry.</summary>
internal sealed class FeatureRuntime
{
    private readonly FeatureDefinition _definition;
    private readonly string[] _groupBy;
    private readonly long _bucketTicks;
    private readonly int _bucketsInWindow;
    private readonly bool _isWindowed;

    public FeatureRuntime(FeatureDefinition definition, IReadOnlyList<string> subjectKeys, SignalEngineOptions options)
    {
        _definition = definition;
        _groupBy = [.. definition.GroupBy ?? subjectKeys];
        _isWindowed = definition.Kind == FeatureKind.Windowed;
        var ring = 0;
        if (_isWindowed)
        {
            if (definition.WindowKind == WindowKind.Tumbling)
            {
                _bucketTicks = definition.Window.Ticks;
                _bucketsInWindow = 1;
            }
            else
            {
                _bucketTicks = definition.Step > TimeSpan.Zero ? definition.Step.Ticks : Math.Max(1, definition.Window.Ticks / 12);
                _bucketsInWindow = (int)Math.Max(1, definition.Window.Ticks / _bucketTicks);
            }

            ring = _bucketsInWindow + (int)Math.Min(1 + (options.AllowedLateness.Ticks / _bucketTicks), 100_000) + 1;
        }

        var buckets = ring;
        Table = new SubjectTable<FeatureState>(options.MaxSubjects, () => new FeatureState(buckets));
    }

    public SubjectTable<FeatureState> Table { get; }

    /// <summary>Reads the event's value: NaN when the event does not feed the feature.</summary>
    public double Extract(RawEvent e)
    {
        if (_definition.Extractor is { } extractor)
        {
            return extractor(e, out var v) ? v : double.NaN;
        }

        if (_definition.Field is not { } field)
        {
            return 1;
        }

        if (e.Payload.ValueKind != JsonValueKind.Object || !e.Payload.TryGetProperty(field, out var element))
        {
            return double.NaN;
        }

        if (element.ValueKind != JsonValueKind.Number || !element.TryGetDouble(out var value) || !double.IsFinite(value))
        {
            throw new SignalEventException(SignalEventError.MalformedPayload, e.Id, e.Type, $"Event '{e.Id}' of type '{e.Type}' has field '{field}' of kind {element.ValueKind}; feature '{_definition.Name}' needs a finite number.");
        }

        return value;
    }

    public void Feed(RawEvent e, long at, double value)
    {
        if (!SubjectKey.TryCreate(_groupBy, e.Keys, out var key))
        {
            return;
        }

        var state = Table.GetOrAdd(key);
        if (_isWindowed)
        {
            state.Add(at, value, _bucketTicks);
        }
        else
        {
            state.SetLatest(at, value);
        }
    }

    public double Read(RawEvent e, long watermark)
    {
        if (SubjectKey.TryCreate(_groupBy, e.Keys, out var key) && Table.TryGet(key, out var state))
        {
            if (_isWindowed)
            {
                if (state.TryAggregate(watermark, _bucketTicks, _bucketsInWindow, _definition.Aggregate, out var v))
                {
                    return v;
                }
            }
            else if (state.HasLatest)
            {
                return state.LatestValue;
            }
        }

        if (_isWindowed && _definition.Aggregate == WindowAggregate.Count)
        {
            return 0;
        }

        return _definition.DefaultValue ?? double.NaN;
    }
}

/// <summary>One signal definition's runtime: feature bindings, the bound rule, per-subject state and the current threshold.</summary>
internal sealed class SignalRuntime
{
    public SignalRuntime(SignalDefinition definition, int maxSubjects)
    {
        Definition = definition;
        SubjectKeys = [.. definition.SubjectKeys];
        Features = new FeatureRuntime?[definition.Features.Count];
        Values = new double[definition.Features.Count];
        Evaluator = definition.Rule.Bind(name =>
        {
            for (var i = 0; i < definition.Features.Count; i++)
            {
                if (definition.Features[i].Name == name)
                {
                    return i;
                }
            }

            throw new InvalidOperationException($"Feature '{name}' is not defined in signal '{definition.Type}'.");
        });
        AttributeIndexes = [.. definition.Attributes.Select(a => definition.Features.ToList().FindIndex(f => f.Name == a))];
        CooldownTicks = definition.Cooldown.Ticks;
        Threshold = definition.Threshold;
        Table = new SubjectTable<SignalSubjectState>(maxSubjects, static () => new SignalSubjectState());
    }

    public SignalDefinition Definition { get; }

    public string[] SubjectKeys { get; }

    public FeatureRuntime?[] Features { get; }

    public double[] Values { get; }

    public RuleEvaluator Evaluator { get; }

    public int[] AttributeIndexes { get; }

    public long CooldownTicks { get; }

    public SubjectTable<SignalSubjectState> Table { get; }

    public double Threshold { get; set; }
}
