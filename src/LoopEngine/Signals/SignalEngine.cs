using Microsoft.Extensions.Logging;

namespace LoopEngine.Signals;

/// <summary>The signal engine: the synchronous processor behind a gate, then storage, announcements, triggers and calibration.</summary>
internal sealed class SignalEngine : ISignalEngine, IDisposable
{
    internal const string OutcomePositionName = "signals.outcomes";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly SignalProcessor _processor;
    private readonly ISignalStore _store;
    private readonly ILoopEngine? _loopEngine;
    private readonly ILoopStore? _loopStore;
    private readonly Dictionary<string, SignalTrigger> _triggers;
    private readonly Dictionary<string, SignalCalibrator> _calibrators = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly ILoopIdGenerator _ids;
    private readonly ILogger _logger;
    private readonly SignalEngineOptions _options;
    private readonly List<Signal> _pending = [];
    private bool _initialized;
    private long _rejected;

    public SignalEngine(IReadOnlyList<SignalDefinition> definitions, IReadOnlyDictionary<string, string[]> eventTypes, IReadOnlyList<SignalTrigger> triggers, SignalEngineOptions options, IReferenceData? referenceData, ISignalStore store, ILoopEngine? loopEngine, ILoopStore? loopStore, TimeProvider time, ILoopIdGenerator ids, ILogger logger)
    {
        Definitions = definitions;
        _options = options;
        _processor = new SignalProcessor(definitions, eventTypes, options, referenceData, time, logger);
        _store = store;
        _loopEngine = loopEngine;
        _loopStore = loopStore;
        _triggers = triggers.ToDictionary(t => t.SignalType, StringComparer.Ordinal);
        _time = time;
        _ids = ids;
        _logger = logger;
        foreach (var d in definitions)
        {
            _calibrators[d.Type] = new SignalCalibrator(d.Calibration);
        }
    }

    public IReadOnlyList<SignalDefinition> Definitions { get; }

    internal SignalProcessor Processor => _processor;

    public void Dispose() => _gate.Dispose();

    public async ValueTask<IngestResult> IngestAsync(RawEvent rawEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rawEvent);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
            var counts = new int[4];
            ProcessOne(rawEvent, counts, null);
            var signals = await HandlePendingAsync(cancellationToken).ConfigureAwait(false);
            return new IngestResult(counts[0], counts[1], counts[2], counts[3], signals, []);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask<IngestResult> IngestAsync(IEnumerable<RawEvent> rawEvents, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rawEvents);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
            var counts = new int[4];
            var rejections = new List<SignalEventException>();
            var signals = new List<Signal>();
            foreach (var rawEvent in rawEvents)
            {
                ProcessOne(rawEvent, counts, rejections);
                if (_pending.Count > 0)
                {
                    signals.AddRange(await HandlePendingAsync(cancellationToken).ConfigureAwait(false));
                }
            }

            return new IngestResult(counts[0], counts[1], counts[2], counts[3], signals, rejections);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask<Signal> LabelAsync(string signalId, SignalLabel label, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(signalId);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
            return await LabelCoreAsync(signalId, label, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask<IReadOnlyList<LiveSignal>> GetLiveSignalsAsync(int maxCount = 20, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCount, 1);
        var now = _time.GetUtcNow();
        var recent = await _store.ListRecentSignalsAsync(maxCount, false, cancellationToken).ConfigureAwait(false);
        var rows = new List<LiveSignal>(recent.Count);
        foreach (var s in recent)
        {
            rows.Add(new LiveSignal(s.Id, s.Type, s.SubjectText, s.Confidence, now - s.DetectedAt, s.AggregateId));
        }

        return rows;
    }

    public SignalTypeStatistics GetStatistics(string signalType)
    {
        var runtime = _processor.Find(signalType) ?? throw new ArgumentException($"Signal type '{signalType}' is not defined; defined: {string.Join(", ", Definitions.Select(d => d.Type))}.", nameof(signalType));
        var calibrator = _calibrators[signalType];
        lock (calibrator)
        {
            return new SignalTypeStatistics(signalType, runtime.Threshold, calibrator.Count, calibrator.PrecisionAt(runtime.Threshold), calibrator.RecallAt(runtime.Threshold));
        }
    }

    public SignalEngineStatistics GetEngineStatistics()
    {
        var p = _processor;
        return new SignalEngineStatistics(p.Accepted, p.Duplicates, p.LateDropped, p.UnknownTypes, Interlocked.Read(ref _rejected), p.Emitted, p.Suppressed, p.CooledDown, p.SubjectsEvicted, p.Subjects);
    }

    public async Task FollowLoopOutcomesAsync(CancellationToken cancellationToken)
    {
        var engine = _loopEngine ?? throw new InvalidOperationException("The signal engine was built without a loop engine, so there are no loop outcomes to follow.");
        var position = await _store.GetPositionAsync(OutcomePositionName, cancellationToken).ConfigureAwait(false) ?? 0;
        await foreach (var e in engine.ReadEventsAsync(position, follow: true, cancellationToken).ConfigureAwait(false))
        {
            if (e.Type is LoopEventTypes.Completed or LoopEventTypes.Error or LoopEventTypes.Cancelled)
            {
                await HandleLoopEndedAsync(e.OrgId, e.AggregateId, cancellationToken).ConfigureAwait(false);
            }

            await _store.SetPositionAsync(OutcomePositionName, e.Position, cancellationToken).ConfigureAwait(false);
        }
    }

    internal async ValueTask HandleLoopEndedAsync(string orgId, string aggregateId, CancellationToken cancellationToken)
    {
        var signals = await _store.ListSignalsByAggregateAsync(orgId, aggregateId, cancellationToken).ConfigureAwait(false);
        if (signals.Count == 0)
        {
            return;
        }

        var instance = await _loopEngine!.GetInstanceAsync(aggregateId, orgId, cancellationToken).ConfigureAwait(false);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
            foreach (var signal in signals)
            {
                if (!_triggers.TryGetValue(signal.Type, out var trigger))
                {
                    continue;
                }

                await _store.SetOpenLoopAsync(orgId, OpenLoopKey(trigger, signal), null, cancellationToken).ConfigureAwait(false);
                if (instance is not null && signal.Label is null && trigger.LabelRule?.Label(instance) is { } label)
                {
                    await LabelCoreAsync(signal.Id, label, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private void ProcessOne(RawEvent rawEvent, int[] counts, List<SignalEventException>? rejections)
    {
        try
        {
            var outcome = _processor.Process(rawEvent, _pending);
            counts[(int)outcome]++;
        }
        catch (SignalEventException ex)
        {
            Interlocked.Increment(ref _rejected);
            SignalLog.EventRejected(_logger, ex.EventId, ex.EventType, ex.Message);
            if (rejections is null)
            {
                throw;
            }

            rejections.Add(ex);
        }
    }

    private async ValueTask EnsureInitializedAsync(CancellationToken cancellationToken)
    {
        if (_initialized)
        {
            return;
        }

        foreach (var runtime in _processor.Signals)
        {
            var type = runtime.Definition.Type;
            if (await _store.GetThresholdAsync(type, cancellationToken).ConfigureAwait(false) is { } threshold)
            {
                runtime.Threshold = threshold;
            }

            var calibrator = _calibrators[type];
            foreach (var s in await _store.ListLabelledSignalsAsync(type, runtime.Definition.Calibration.Window, cancellationToken).ConfigureAwait(false))
            {
                calibrator.Add(s.Confidence, s.Label == SignalLabel.Hit);
            }
        }

        _initialized = true;
    }

    private async ValueTask<IReadOnlyList<Signal>> HandlePendingAsync(CancellationToken cancellationToken)
    {
        if (_pending.Count == 0)
        {
            return [];
        }

        var produced = _pending.ToArray();
        _pending.Clear();
        var result = new List<Signal>(produced.Length);
        foreach (var candidate in produced)
        {
            result.Add(await HandleSignalAsync(candidate, cancellationToken).ConfigureAwait(false));
        }

        return result;
    }

    private async ValueTask<Signal> HandleSignalAsync(Signal signal, CancellationToken cancellationToken)
    {
        if (!await _store.TryAddSignalAsync(signal, cancellationToken).ConfigureAwait(false))
        {
            // A replay (after a restart): the signal was handled before; finish its trigger only if that never happened.
            var stored = await _store.GetSignalAsync(signal.Id, cancellationToken).ConfigureAwait(false) ?? signal;
            if (stored.Status == SignalStatus.Emitted && stored.AggregateId is null && _triggers.TryGetValue(stored.Type, out var pendingTrigger))
            {
                return await TriggerAsync(stored, pendingTrigger, cancellationToken).ConfigureAwait(false);
            }

            return stored;
        }

        if (signal.Status != SignalStatus.Emitted)
        {
            return signal;
        }

        SignalLog.SignalEmitted(_logger, signal.Id, signal.Type, signal.SubjectText, signal.Confidence, signal.Threshold);
        await AnnounceAsync(signal.OrgId, SignalEventWriter.Emitted(signal, _ids.NewId("evt"), _time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
        return _triggers.TryGetValue(signal.Type, out var trigger)
            ? await TriggerAsync(signal, trigger, cancellationToken).ConfigureAwait(false)
            : signal;
    }

    private async ValueTask<Signal> TriggerAsync(Signal signal, SignalTrigger trigger, CancellationToken cancellationToken)
    {
        var engine = _loopEngine!;
        var openKey = OpenLoopKey(trigger, signal);
        var openId = await _store.GetOpenLoopAsync(signal.OrgId, openKey, cancellationToken).ConfigureAwait(false);
        if (openId is not null && await engine.GetInstanceAsync(openId, signal.OrgId, cancellationToken).ConfigureAwait(false) is { IsEnded: false } open)
        {
            var attached = signal with { LoopId = open.LoopId, AggregateId = open.AggregateId, OpenedLoop = false };
            await _store.UpdateSignalAsync(attached, cancellationToken).ConfigureAwait(false);
            await AnnounceAsync(open.OrgId, SignalEventWriter.Received(attached, open, _ids.NewId("evt"), _time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
            SignalLog.SignalAttached(_logger, signal.Id, open.LoopId, open.AggregateId, open.CorrelationId);
            return attached;
        }

        var aggregateId = await trigger.AggregateIdPattern.NextAsync(_loopStore!, signal.OrgId, signal.OccurredAt, cancellationToken).ConfigureAwait(false);
        var instance = await engine.StartAsync(
            new StartLoopRequest
            {
                LoopId = trigger.LoopId,
                Version = trigger.Version,
                AggregateId = aggregateId,
                Actor = trigger.Actor,
                OrgId = signal.OrgId,
                CausationId = signal.Id,
                CorrelationId = trigger.CorrelationId?.Invoke(signal),
                Evidence = SignalEventWriter.StartEvidence(signal),
            },
            cancellationToken).ConfigureAwait(false);
        await _store.SetOpenLoopAsync(signal.OrgId, openKey, instance.AggregateId, cancellationToken).ConfigureAwait(false);
        var triggered = signal with { LoopId = instance.LoopId, AggregateId = instance.AggregateId, OpenedLoop = true };
        await _store.UpdateSignalAsync(triggered, cancellationToken).ConfigureAwait(false);
        await AnnounceAsync(instance.OrgId, SignalEventWriter.Received(triggered, instance, _ids.NewId("evt"), _time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
        SignalLog.LoopOpened(_logger, signal.Id, instance.LoopId, instance.AggregateId, instance.CorrelationId);
        return triggered;
    }

    private async ValueTask<Signal> LabelCoreAsync(string signalId, SignalLabel label, CancellationToken cancellationToken)
    {
        var signal = await _store.GetSignalAsync(signalId, cancellationToken).ConfigureAwait(false)
            ?? throw new KeyNotFoundException($"No signal '{signalId}' is stored.");
        if (signal.Label is not null)
        {
            return signal;
        }

        var labelled = signal with { Label = label };
        await _store.UpdateSignalAsync(labelled, cancellationToken).ConfigureAwait(false);
        if (_processor.Find(signal.Type) is not { } runtime)
        {
            return labelled;
        }

        var calibrator = _calibrators[signal.Type];
        ThresholdChange? change = null;
        lock (calibrator)
        {
            calibrator.Add(signal.Confidence, label == SignalLabel.Hit);
            var before = runtime.Threshold;
            if (calibrator.Propose(before) is { } after)
            {
                change = new ThresholdChange
                {
                    SignalType = signal.Type,
                    ThresholdBefore = before,
                    ThresholdAfter = after,
                    PrecisionBefore = calibrator.PrecisionAt(before) ?? 0,
                    PrecisionAfter = calibrator.PrecisionAt(after) ?? 0,
                    SampleSize = calibrator.Count,
                    TargetPrecision = runtime.Definition.Calibration.TargetPrecision,
                    ChangedAt = _time.GetUtcNow(),
                };
                runtime.Threshold = after;
            }
        }

        if (change is not null)
        {
            await _store.AddThresholdChangeAsync(change, cancellationToken).ConfigureAwait(false);
            await AnnounceAsync(signal.OrgId, SignalEventWriter.ThresholdChanged(change, signal.OrgId, _ids.NewId("evt")), cancellationToken).ConfigureAwait(false);
            SignalLog.ThresholdChanged(_logger, change.SignalType, change.ThresholdBefore, change.ThresholdAfter, change.PrecisionBefore, change.PrecisionAfter, change.SampleSize);
        }

        return labelled;
    }

    private async ValueTask AnnounceAsync(string orgId, LoopEvent e, CancellationToken cancellationToken)
    {
        if (_loopStore is not null)
        {
            await _loopStore.CommitAsync(new StoreCommit { OrgId = orgId, Events = [e] }, cancellationToken).ConfigureAwait(false);
        }
    }

    private static string OpenLoopKey(SignalTrigger trigger, Signal signal) => $"{trigger.LoopId}|{signal.Type}|{signal.SubjectText}";
}
