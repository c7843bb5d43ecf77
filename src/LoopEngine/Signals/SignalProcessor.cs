using System.Numerics;
using System.Text;
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
/// subject appears or a signal is produced. Everything that depends only on the definitions is worked out here, once:
/// the route of each event type (its features, the signals it re-evaluates, the distinct sets of subject keys they
/// group by), so an event looks its type up once (by reference when the type string is the same instance as the
/// last event's), reads each set of subject keys once and finds each feature's per-subject state once.
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
    private readonly EventIdWindow _seen = new();
    private readonly SubjectKey[] _keys;
    private readonly bool[] _hasKey;
    private double[] _scratch = new double[4];
    private long _watermark = long.MinValue;
    private long _sequence;
    private string? _lastType;
    private Route? _lastRoute;

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

        var maxKeySets = 1;
        foreach (var type in routeFeatures.Keys.Concat(declaredEventTypes.Keys).Distinct(StringComparer.Ordinal))
        {
            var route = new Route(
                routeFeatures.TryGetValue(type, out var fs) ? [.. fs] : [],
                routeSignals.TryGetValue(type, out var ss) ? [.. ss] : [],
                declaredEventTypes.TryGetValue(type, out var keys) ? keys : []);
            _routes[type] = route;
            maxKeySets = Math.Max(maxKeySets, route.KeySets.Length);
        }

        _keys = new SubjectKey[maxKeySets];
        _hasKey = new bool[maxKeySets];
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

    public int TrackedEventIdCapacity => _seen.Capacity;

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
        var type = e.Type;
        Route? route;
        if (ReferenceEquals(type, _lastType))
        {
            route = _lastRoute!;
        }
        else if (_routes.TryGetValue(type, out route))
        {
            _lastType = type;
            _lastRoute = route;
        }
        else
        {
            UnknownTypes++;
            if (_unknown == UnknownEventTypeHandling.Reject)
            {
                throw new SignalEventException(SignalEventError.UnknownEventType, e.Id, e.Type, $"Event '{e.Id}' has type '{e.Type}', which no signal reads and none declares; known types: {string.Join(", ", _routes.Keys)}.");
            }

            SignalLog.UnknownEventType(_logger, e.Id, e.Type);
            return IngestOutcome.UnknownType;
        }

        var eventKeys = e.Keys;
        foreach (var key in route.RequiredKeys)
        {
            if (!eventKeys.ContainsKey(key))
            {
                throw new SignalEventException(SignalEventError.MissingSubjectKey, e.Id, e.Type, $"Event '{e.Id}' of type '{e.Type}' lacks the subject key '{key}'; the type requires: {string.Join(", ", route.RequiredKeys)}.");
            }
        }

        var payload = e.Payload;
        var kind = payload.ValueKind;
        var isObject = kind == JsonValueKind.Object;
        if (!isObject && kind != JsonValueKind.Undefined)
        {
            throw new SignalEventException(SignalEventError.MalformedPayload, e.Id, e.Type, $"Event '{e.Id}' of type '{e.Type}' has a payload that is {kind}, not a JSON object.");
        }

        // Read every value first, so a malformed field rejects the event before any window changes.
        var features = route.Features;
        if (_scratch.Length < features.Length)
        {
            _scratch = new double[features.Length * 2];
        }

        var scratch = _scratch;
        for (var i = 0; i < features.Length; i++)
        {
            scratch[i] = features[i].Extract(e, payload, isObject);
        }

        var at = e.OccurredAt.UtcTicks;
        if (_watermark != long.MinValue && at < _watermark - _lateness)
        {
            LateDropped++;
            SignalLog.LateEventDropped(_logger, e.Id, e.Type, e.OccurredAt, new DateTimeOffset(_watermark, TimeSpan.Zero), TimeSpan.FromTicks(_lateness));
            return IngestOutcome.Late;
        }

        if (!_seen.TryAdd(e.Id, at))
        {
            Duplicates++;
            return IngestOutcome.Duplicate;
        }

        if (at > _watermark)
        {
            _watermark = at;
        }

        _seen.Evict(_watermark - _lateness, _maxIds);
        Accepted++;
        var stamp = ++_sequence;

        // Each distinct set of subject keys is read from the event once.
        var keySets = route.KeySets;
        var subjectKeys = _keys;
        var hasKey = _hasKey;
        for (var k = 0; k < keySets.Length; k++)
        {
            hasKey[k] = SubjectKey.TryCreate(keySets[k], eventKeys, out subjectKeys[k]);
        }

        var featureKeySets = route.FeatureKeySets;
        for (var i = 0; i < features.Length; i++)
        {
            var value = scratch[i];
            var k = featureKeySets[i];
            if (!double.IsNaN(value) && hasKey[k])
            {
                features[i].Feed(subjectKeys[k], at, value, stamp);
            }
        }

        var signals = route.Signals;
        for (var i = 0; i < signals.Length; i++)
        {
            var binding = signals[i];
            if (hasKey[binding.KeySet])
            {
                Evaluate(binding, e, at, stamp, output);
            }
        }

        return IngestOutcome.Accepted;
    }

    private void Evaluate(SignalBinding binding, RawEvent e, long at, long stamp, List<Signal> output)
    {
        var signal = binding.Signal;
        var definition = signal.Definition;
        var values = signal.Values;
        var features = signal.Features;
        var featureKeySets = binding.FeatureKeySets;
        var subjectKeys = _keys;
        var hasKey = _hasKey;
        for (var i = 0; i < values.Length; i++)
        {
            var fr = features[i];
            double value;
            if (fr is null)
            {
                value = ReadReference(definition.Features[i], e);
            }
            else
            {
                var k = featureKeySets[i];
                value = fr.Read(subjectKeys[k], hasKey[k], _watermark, stamp);
            }

            values[i] = value;
        }

        // The signal's per-subject state: found through the companion remembered by the feature state fed by this event
        // when they share the subject keys, so an event usually makes one hash lookup in all.
        SignalSubjectState state;
        if (binding.PrimaryFeature >= 0 && features[binding.PrimaryFeature]!.FedState(stamp) is { } fed)
        {
            state = signal.Table.GetOrAdd(subjectKeys[binding.KeySet], ref fed.Companion);
        }
        else
        {
            state = signal.Table.GetOrAdd(subjectKeys[binding.KeySet]);
        }

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
        else if (signal.ShadowMargin > 0 && confidence >= threshold - signal.ShadowMargin)
        {
            Suppressed++;
            output.Add(CreateSignal(signal, e, confidence, threshold, SignalStatus.Suppressed));
        }
    }

    private double ReadReference(FeatureDefinition reference, RawEvent e)
    {
        if (_referenceData is not null && _referenceData.TryGetValue(reference.ReferenceName!, e.Keys, out var v))
        {
            return v;
        }

        return reference.DefaultValue ?? double.NaN;
    }

    private Signal CreateSignal(SignalRuntime signal, RawEvent e, double confidence, double threshold, SignalStatus status)
    {
        var definition = signal.Definition;
        var subject = new Dictionary<string, string>(signal.SubjectKeys.Length, StringComparer.Ordinal);
        foreach (var k in signal.SubjectKeys)
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
            Id = signal.IdPrefix + e.Id,
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

    /// <summary>What one event type feeds and re-evaluates, with the distinct sets of subject keys involved.</summary>
    private sealed class Route
    {
        public Route(FeatureRuntime[] features, SignalRuntime[] signals, string[] requiredKeys)
        {
            Features = features;
            RequiredKeys = requiredKeys;
            var keySets = new List<string[]>();
            FeatureKeySets = new int[features.Length];
            for (var i = 0; i < features.Length; i++)
            {
                FeatureKeySets[i] = IndexOf(keySets, features[i].GroupBy);
            }

            Signals = new SignalBinding[signals.Length];
            for (var s = 0; s < signals.Length; s++)
            {
                var runtime = signals[s];
                var featureKeySets = new int[runtime.Features.Length];
                for (var f = 0; f < featureKeySets.Length; f++)
                {
                    featureKeySets[f] = runtime.Features[f] is { } fr ? IndexOf(keySets, fr.GroupBy) : -1;
                }

                var keySet = IndexOf(keySets, runtime.SubjectKeys);
                var primary = -1;
                for (var f = 0; f < featureKeySets.Length && primary < 0; f++)
                {
                    if (featureKeySets[f] == keySet && Array.IndexOf(features, runtime.Features[f]) >= 0)
                    {
                        primary = f;
                    }
                }

                Signals[s] = new SignalBinding(runtime, keySet, featureKeySets, primary);
            }

            KeySets = [.. keySets];
        }

        public FeatureRuntime[] Features { get; }

        /// <summary>Gets, for each feature, the index of its key set in <see cref="KeySets"/>.</summary>
        public int[] FeatureKeySets { get; }

        public SignalBinding[] Signals { get; }

        public string[] RequiredKeys { get; }

        public string[][] KeySets { get; }

        private static int IndexOf(List<string[]> keySets, string[] names)
        {
            for (var i = 0; i < keySets.Count; i++)
            {
                if (keySets[i].AsSpan().SequenceEqual(names))
                {
                    return i;
                }
            }

            keySets.Add(names);
            return keySets.Count - 1;
        }
    }

    /// <summary>
    /// A signal as one route re-evaluates it: the index of its subject key set, and of each feature's; the primary
    /// feature is one this route feeds that groups by the signal's subject keys (−1 when none does).
    /// </summary>
    private sealed record SignalBinding(SignalRuntime Signal, int KeySet, int[] FeatureKeySets, int PrimaryFeature);
}

/// <summary>One feature's runtime: its subject table, window geometry and precomputed payload field.</summary>
internal sealed class FeatureRuntime
{
    private readonly FeatureDefinition _definition;
    private readonly FeatureExtractor? _extractor;
    private readonly string? _field;
    private readonly byte[]? _utf8Field;
    private readonly long _bucketTicks;
    private readonly int _bucketsInWindow;
    private readonly bool _isWindowed;
    private readonly WindowAggregate _aggregate;
    private readonly double _missing;
    private long _fedStamp;
    private int _fedSlot;
    private long _cachedBucket;
    private long _cachedStart = long.MaxValue;
    private long _cachedEnd = long.MinValue;

    public FeatureRuntime(FeatureDefinition definition, IReadOnlyList<string> subjectKeys, SignalEngineOptions options)
    {
        _definition = definition;
        _extractor = definition.Extractor;
        _field = definition.Extractor is null ? definition.Field : null;
        _utf8Field = _field is null ? null : Encoding.UTF8.GetBytes(_field);
        GroupBy = [.. definition.GroupBy ?? subjectKeys];
        _isWindowed = definition.Kind == FeatureKind.Windowed;
        _aggregate = definition.Aggregate;
        _missing = _isWindowed && _aggregate == WindowAggregate.Count ? 0 : definition.DefaultValue ?? double.NaN;
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

            ring = (int)BitOperations.RoundUpToPowerOf2((uint)(_bucketsInWindow + (int)Math.Min(1 + (options.AllowedLateness.Ticks / _bucketTicks), 100_000) + 1));
        }

        var buckets = ring;
        var aggregate = _aggregate;
        Table = new SubjectTable<FeatureState>(options.MaxSubjects, () => new FeatureState(buckets, aggregate));
    }

    public SubjectTable<FeatureState> Table { get; }

    /// <summary>Gets the subject keys the feature groups by.</summary>
    public string[] GroupBy { get; }

    /// <summary>Reads the event's value: NaN when the event does not feed the feature.</summary>
    /// <param name="e">The event.</param>
    /// <param name="payload">Its payload.</param>
    /// <param name="isObject">Whether the payload is an object (checked once per event by the caller).</param>
    /// <returns>The value, or NaN.</returns>
    public double Extract(RawEvent e, JsonElement payload, bool isObject)
    {
        if (_extractor is { } extractor)
        {
            return extractor(e, out var v) ? v : double.NaN;
        }

        if (_utf8Field is not { } field)
        {
            return 1;
        }

        if (!isObject || !payload.TryGetProperty(field, out var element))
        {
            return double.NaN;
        }

        if (element.ValueKind != JsonValueKind.Number || !element.TryGetDouble(out var value) || !double.IsFinite(value))
        {
            throw new SignalEventException(SignalEventError.MalformedPayload, e.Id, e.Type, $"Event '{e.Id}' of type '{e.Type}' has field '{_field}' of kind {element.ValueKind}; feature '{_definition.Name}' needs a finite number.");
        }

        return value;
    }

    /// <summary>Adds a value to the subject's state and remembers the state for reads of the same event (<paramref name="stamp"/>).</summary>
    public void Feed(in SubjectKey key, long at, double value, long stamp)
    {
        var state = Table.GetOrAdd(key, out _fedSlot);
        _fedStamp = stamp;
        if (_isWindowed)
        {
            state.Add(at, BucketOf(at), value);
        }
        else
        {
            state.SetLatest(at, value);
        }
    }

    /// <summary>
    /// The bucket number of a time (floor of ticks / bucket length). Events arrive mostly in time order, so the last
    /// bucket's bounds are kept and a time inside them costs two comparisons instead of a 64-bit division.
    /// </summary>
    private long BucketOf(long ticks)
    {
        if (ticks >= _cachedStart && ticks < _cachedEnd)
        {
            return _cachedBucket;
        }

        var bucket = ticks >= 0 ? ticks / _bucketTicks : ((ticks + 1) / _bucketTicks) - 1;
        _cachedBucket = bucket;
        _cachedStart = bucket * _bucketTicks;
        _cachedEnd = _cachedStart + _bucketTicks;
        return bucket;
    }

    /// <summary>Gets the state fed by the event with this <paramref name="stamp"/>, or <see langword="null"/> when the event fed none.</summary>
    public FeatureState? FedState(long stamp) => _fedStamp == stamp ? Table[_fedSlot] : null;

    /// <summary>Reads the subject's value; the state fed by the same event is reused without a second lookup.</summary>
    public double Read(in SubjectKey key, bool hasKey, long watermark, long stamp)
    {
        if (hasKey)
        {
            FeatureState? state;
            if (_fedStamp == stamp)
            {
                state = Table[_fedSlot];
            }
            else if (!Table.TryGet(key, out state))
            {
                return _missing;
            }

            if (_isWindowed)
            {
                if (state.TryAggregate(BucketOf(watermark), _bucketsInWindow, _aggregate, out var v))
                {
                    return v;
                }
            }
            else if (state.HasLatest)
            {
                return state.LatestValue;
            }
        }

        return _missing;
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
        ShadowMargin = definition.Calibration.ShadowMargin;
        IdPrefix = "sig_" + definition.Type + "_";
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

    public double ShadowMargin { get; }

    /// <summary>Gets the prefix of every signal id of this type (<c>sig_TYPE_</c>, then the event id).</summary>
    public string IdPrefix { get; }

    public SubjectTable<SignalSubjectState> Table { get; }

    public double Threshold { get; set; }
}
