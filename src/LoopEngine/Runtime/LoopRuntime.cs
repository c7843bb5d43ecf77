using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LoopEngine;

/// <summary>
/// The loop engine: decides whether a loop may move, records who moved it and why in an append-only, hash-chained
/// trace, stores AI recommendations for human approval, and publishes every step as an event. Thread-safe; requests
/// on one aggregate serialize through the store's version check.
/// </summary>
public sealed partial class LoopRuntime : ILoopEngine
{
    /// <summary>The guard id the engine implements itself unless the host registers one: asks the <see cref="IActorAuthorizer"/>.</summary>
    public const string ActorHasPermissionGuardId = "actor_has_permission";

    private readonly ILoopStore _store;
    private readonly LoopRegistry _registry;
    private readonly LoopEngineOptions _options;
    private readonly TimeProvider _time;
    private readonly ILoopIdGenerator _ids;
    private readonly IActorAuthorizer _authorizer;
    private readonly IReadOnlyDictionary<string, ILoopGuard> _guards;
    private readonly ILogger _logger;
    private readonly EventWriter _events;
    private readonly ConcurrentDictionary<(string LoopId, string Version), CompiledLoop> _compiled = new();
    private readonly InstanceCache? _cache;
    private CompiledLoop? _lastCompiled;

    /// <summary>Creates an engine.</summary>
    /// <param name="store">Where instances, traces and events live.</param>
    /// <param name="registry">The registered definitions.</param>
    /// <param name="options">The options; <see langword="null"/> for the defaults.</param>
    /// <param name="timeProvider">The clock; <see langword="null"/> for <see cref="TimeProvider.System"/>.</param>
    /// <param name="idGenerator">The id generator; <see langword="null"/> for <see cref="DefaultLoopIdGenerator"/>.</param>
    /// <param name="guards">Guard implementations by guard id; <see langword="null"/> for none.</param>
    /// <param name="authorizer">The role check; <see langword="null"/> to allow every actor.</param>
    /// <param name="loggerFactory">Logging; <see langword="null"/> for none.</param>
    /// <exception cref="LoopDefinitionException">A registered definition names a runtime or module guard with no implementation.</exception>
    public LoopRuntime(
        ILoopStore store,
        LoopRegistry registry,
        LoopEngineOptions? options = null,
        TimeProvider? timeProvider = null,
        ILoopIdGenerator? idGenerator = null,
        IReadOnlyDictionary<string, ILoopGuard>? guards = null,
        IActorAuthorizer? authorizer = null,
        ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(registry);
        _store = store;
        _registry = registry;
        _options = options ?? new LoopEngineOptions();
        _time = timeProvider ?? TimeProvider.System;
        _ids = idGenerator ?? new DefaultLoopIdGenerator(_time, CryptoLoopRandom.Instance);
        _guards = guards is null ? new Dictionary<string, ILoopGuard>(StringComparer.Ordinal) : new Dictionary<string, ILoopGuard>(guards, StringComparer.Ordinal);
        _authorizer = authorizer ?? AllowAllActorAuthorizer.Instance;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("LoopEngine");
        _events = new EventWriter(_ids, _time);
        _cache = _options.InstanceCacheCapacity > 0 && store is not InMemoryLoopStore ? new InstanceCache(_options.InstanceCacheCapacity) : null;
        ValidateSpawnPatterns();
        foreach (var definition in registry.All)
        {
            Compile(definition);
        }
    }

    /// <summary>Gets the registry of definitions this engine serves.</summary>
    public LoopRegistry Registry => _registry;

    /// <summary>Gets the store.</summary>
    public ILoopStore Store => _store;

    /// <summary>Gets the clock the engine reads.</summary>
    public TimeProvider TimeProvider => _time;

    /// <inheritdoc/>
    public LoopDefinition GetDefinition(string loopId, string? version = null) => _registry.Get(loopId, version);

    /// <inheritdoc/>
    public IReadOnlyList<LoopDefinition> GetDefinitions() => _registry.All;

    internal CompiledLoop Compile(LoopDefinition definition)
    {
        if (_compiled.TryGetValue((definition.Id, definition.Version), out var compiled) && ReferenceEquals(compiled.Definition, definition))
        {
            return compiled;
        }

        var problems = new List<DefinitionProblem>();
        for (var t = 0; t < definition.Transitions.Count; t++)
        {
            var transition = definition.Transitions[t];
            for (var g = 0; g < transition.Guards.Count; g++)
            {
                var guard = transition.Guards[g];
                if (guard.EvaluatedBy != GuardEvaluator.External && !_guards.ContainsKey(guard.Id) && guard.Id != ActorHasPermissionGuardId)
                {
                    problems.Add(new DefinitionProblem(
                        $"transitions[{t}].guards[{g}].id",
                        $"Guard '{guard.Id}' is evaluated by '{guard.EvaluatedBy.ToString().ToLowerInvariant()}' but no implementation is registered for it. Register one with AddGuard(\"{guard.Id}\", ...). Registered guards: {(_guards.Count == 0 ? "none" : string.Join(", ", _guards.Keys.Order(StringComparer.Ordinal)))} (and the built-in {ActorHasPermissionGuardId})."));
                }
            }
        }

        if (problems.Count > 0)
        {
            throw new LoopDefinitionException(definition.Key, problems);
        }

        var replaced = compiled;
        compiled = new CompiledLoop(definition, _options.MachinePoolSize);
        _compiled[(definition.Id, definition.Version)] = compiled;
        replaced?.Retire();
        return compiled;
    }

    private CompiledLoop GetCompiled(string loopId, string version)
    {
        // Requests on one definition follow each other: compare the last one's strings (by reference first) before hashing both.
        // A compilation the runtime dropped (unregistered or replaced) is retired, so a request that raced the removal and put
        // it back here cannot serve later requests.
        if (_lastCompiled is { IsRetired: false } last
            && string.Equals(last.Definition.Id, loopId, StringComparison.Ordinal)
            && string.Equals(last.Definition.Version, version, StringComparison.Ordinal))
        {
            return last;
        }

        var compiled = _compiled.TryGetValue((loopId, version), out var found) ? found : Compile(_registry.Get(loopId, version));
        _lastCompiled = compiled;
        return compiled;
    }

    private string ResolveOrg(string? orgId)
    {
        var org = orgId ?? _options.DefaultOrgId;
        Identifiers.ValidateOpaqueId(org, "Org id", nameof(orgId));
        return org;
    }

    private DateTimeOffset Now() => TraceCanonicalizer.Truncate(_time.GetUtcNow());

    private Evidence CheckEvidence(Evidence? evidence)
    {
        evidence ??= Evidence.Empty;
        if (evidence.ByteCount > _options.MaxEvidenceBytes)
        {
            throw new EvidenceException($"Evidence is {evidence.ByteCount} bytes; the limit is {_options.MaxEvidenceBytes} bytes (LoopEngineOptions.MaxEvidenceBytes).");
        }

        if (evidence.Depth > _options.MaxEvidenceDepth)
        {
            throw new EvidenceException($"Evidence is nested {evidence.Depth} levels deep; the limit is {_options.MaxEvidenceDepth} (LoopEngineOptions.MaxEvidenceDepth).");
        }

        return evidence;
    }

    /// <inheritdoc/>
    public async ValueTask<LoopInstance> StartAsync(StartLoopRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.Actor);
        var org = ResolveOrg(request.OrgId);
        Identifiers.ValidateLoopId(request.LoopId, nameof(request));
        Identifiers.ValidateOpaqueId(request.AggregateId, "Aggregate id", nameof(request));
        if (request.CorrelationId is not null)
        {
            Identifiers.ValidateOpaqueId(request.CorrelationId, "Correlation id", nameof(request));
        }

        if (request.CausationId is not null)
        {
            Identifiers.ValidateOpaqueId(request.CausationId, "Causation id", nameof(request));
        }

        var evidence = CheckEvidence(request.Evidence);
        if (evidence.TryGetProperty(ReservedEvidence.SpawnedBy, out _))
        {
            throw new EvidenceException($"Evidence property '{ReservedEvidence.SpawnedBy}' is reserved for spawned loops (the engine writes the parent there): open a child loop with SpawnAsync or a transition's spawns, or rename the property.");
        }

        var definition = _registry.Get(request.LoopId, request.Version);
        var compiled = GetCompiled(definition.Id, definition.Version);
        using var activity = LoopEngineInstrumentation.ActivitySource.StartActivity("loop.start");
        activity?.SetTag("loop.id", definition.Id);
        activity?.SetTag("loop.aggregate_id", request.AggregateId);

        var now = Now();
        var correlation = request.CorrelationId ?? _ids.NewId("corr");
        var record = Seal(new TransitionRecord
        {
            OrgId = org,
            LoopId = definition.Id,
            DefinitionVersion = definition.Version,
            AggregateId = request.AggregateId,
            Sequence = 1,
            TransitionId = ReservedTransitions.Start,
            FromState = null,
            ToState = definition.InitialState,
            Actor = request.Actor,
            OccurredAt = now,
            Evidence = evidence,
            CorrelationId = correlation,
            CausationId = request.CausationId,
            PreviousHash = TransitionRecord.GenesisHash,
            Hash = string.Empty,
        });
        var instance = new LoopInstance
        {
            OrgId = org,
            LoopId = definition.Id,
            DefinitionVersion = definition.Version,
            AggregateId = request.AggregateId,
            CurrentState = definition.InitialState,
            Status = compiled.StatusOf(definition.InitialState),
            Version = 1,
            CorrelationId = correlation,
            OpenedAt = now,
            UpdatedAt = now,
            HeadHash = TransitionRecord.GenesisHash,
            HeadHashValue = record.HashValue,
        };
        var started = _events.Create(LoopEventTypes.Started, org, definition.Id, request.AggregateId, correlation, request.CausationId, now,
            (State: definition.InitialState, request.Actor), StartedFields);
        var timers = new List<TimerChange>(1);
        AddSlaTimer(timers, definition, instance);
        var result = await CommitAsync(
            new StoreCommit { OrgId = org, Instances = [new InstanceWrite(instance, 0)], Records = [record], Events = [started], Timers = TimersIfSupported(timers) },
            cancellationToken).ConfigureAwait(false);
        if (!result.IsCommitted)
        {
            throw new LoopAlreadyExistsException(
                $"Aggregate '{request.AggregateId}' already has a loop in org '{org}' (at version {result.ActualVersion}). Aggregate ids are never reused: use a new aggregate id.");
        }

        LoopRuntimeLog.Started(_logger, definition.Id, definition.Version, request.AggregateId, org, request.Actor.Id, correlation);
        return instance;
    }

    /// <inheritdoc/>
    public async ValueTask<TransitionResult> TransitionAsync(TransitionRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.Actor);
        var org = ResolveOrg(request.OrgId);
        Identifiers.ValidateOpaqueId(request.AggregateId, "Aggregate id", nameof(request));
        ValidateTransitionIdShape(request.TransitionId);
        if (request.LoopId is not null)
        {
            Identifiers.ValidateLoopId(request.LoopId, nameof(request));
        }

        ValidateOptionalIds(request.CorrelationId, request.CausationId, request.IdempotencyKey);
        if (request.ExpectedVersion is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(request), request.ExpectedVersion, $"Expected version {request.ExpectedVersion} is not valid: versions start at 1 (the start record).");
        }

        if (request.Reasoning is { Length: > 4096 })
        {
            throw new ArgumentException($"Reasoning is {request.Reasoning.Length} characters; the limit is 4096.", nameof(request));
        }

        var evidence = CheckEvidence(request.Evidence);
        // Read the clock for the latency histogram only when someone listens to it.
        var timed = LoopEngineInstrumentation.TransitionLatency.Enabled;
        var started = timed ? _time.GetTimestamp() : 0;
        using var activity = LoopEngineInstrumentation.ActivitySource.StartActivity("loop.transition");
        activity?.SetTag("loop.aggregate_id", request.AggregateId);
        activity?.SetTag("loop.transition_id", request.TransitionId);

        string? requestHash = request.IdempotencyKey is null ? null : RequestHasher.Hash(request, evidence);

        // Start from the instance this engine last wrote, if it kept it (not with an idempotency key: a replay answers
        // from the store). Only a commit validates it; any other answer is decided again on a fresh read.
        var useCache = _cache is not null && requestHash is null;
        for (var attempt = 0; ; attempt++)
        {
            LoopInstance instance;
            var cached = useCache && _cache!.TryGet(org, request.AggregateId, out var kept) ? kept : null;
            if (cached is not null)
            {
                instance = CheckLoop(cached, request.AggregateId, request.LoopId);
            }
            else
            {
                // The in-memory store answers synchronously: skip the async load's state machine then.
                var pending = _store.GetInstanceAsync(org, request.AggregateId, cancellationToken);
                instance = pending.IsCompletedSuccessfully
                    ? CheckLoop(pending.Result ?? throw NotFound(org, request.AggregateId), request.AggregateId, request.LoopId)
                    : await LoadAsync(pending, org, request.AggregateId, request.LoopId).ConfigureAwait(false);
            }

            var compiled = GetCompiled(instance.LoopId, instance.DefinitionVersion);
            if (requestHash is not null)
            {
                var replay = await TryReplayAsync(org, instance, request.IdempotencyKey!, requestHash, cancellationToken).ConfigureAwait(false);
                if (replay is not null)
                {
                    return replay;
                }
            }

            if (request.ExpectedVersion is { } expected && expected != instance.Version)
            {
                if (cached is not null)
                {
                    // The kept instance may be behind the one the caller read: read it.
                    useCache = false;
                    attempt--;
                    continue;
                }

                LoopEngineInstrumentation.Conflicts.Add(1);
                return Conflict(instance, expected);
            }

            var decision = await DecideAsync(compiled, instance, request.TransitionId, request.Actor, evidence, isApproval: false, cancellationToken).ConfigureAwait(false);
            if (cached is not null && decision.Kind is not (DecisionKind.Execute or DecisionKind.Recommend))
            {
                // A refusal writes its events without a version check: decide it on the stored instance, not a kept one.
                useCache = false;
                attempt--;
                continue;
            }

            var outcome = decision.Kind switch
            {
                DecisionKind.Execute => await CommitExecutionAsync(compiled, instance, decision, request.Actor, evidence, request.CorrelationId ?? instance.CorrelationId, request.CausationId, null, request.IdempotencyKey, requestHash, cancellationToken, request.SpawnAggregateIds).ConfigureAwait(false),
                DecisionKind.Recommend => await RecommendAsync(compiled, instance, request, evidence, requestHash, cancellationToken).ConfigureAwait(false),
                _ => await BlockAsync(compiled, instance, request.TransitionId, request.Actor, evidence, request.CorrelationId, request.CausationId, decision, cancellationToken).ConfigureAwait(false),
            };
            if (outcome is not null)
            {
                if (timed)
                {
                    LoopEngineInstrumentation.TransitionLatency.Record(_time.GetElapsedTime(started).TotalMilliseconds);
                }

                activity?.SetTag("loop.outcome", outcome.Outcome.ToString());
                return outcome;
            }

            // Lost a race on the aggregate (or started from a kept instance another writer had moved): re-read and
            // re-evaluate against the state that won.
            useCache = false;
            LoopEngineInstrumentation.Conflicts.Add(1);
            LoopRuntimeLog.Conflict(_logger, instance.LoopId, instance.AggregateId, attempt + 1);
            if (request.ExpectedVersion is not null || attempt >= _options.MaxConflictRetries)
            {
                var current = await LoadAsync(org, request.AggregateId, request.LoopId, cancellationToken).ConfigureAwait(false);
                if (current.Version == request.ExpectedVersion && attempt < _options.MaxConflictRetries)
                {
                    // Still at the expected version: what moved was the pending recommendation count (a recommendation was
                    // stored, rejected or expired meanwhile, which takes no new version). Re-evaluate against it.
                    continue;
                }

                return Conflict(current, request.ExpectedVersion ?? instance.Version);
            }
        }
    }

    private static TransitionResult Conflict(LoopInstance instance, long expected) => new()
    {
        Outcome = TransitionOutcome.VersionConflict,
        Instance = instance,
        Message = $"Aggregate '{instance.AggregateId}' is at version {instance.Version}, not the expected version {expected}: another request moved it first. Read it again and retry.",
    };

    private static void ValidateTransitionIdShape(string? transitionId)
    {
        if (transitionId is null || transitionId.Length is 0 or > 128 || !Identifiers.IsOpaqueId(transitionId))
        {
            throw new ArgumentException($"Transition id '{Identifiers.Printable(transitionId)}' is not valid: {Identifiers.TransitionIdRule}.", nameof(transitionId));
        }
    }

    private static void ValidateOptionalIds(string? correlationId, string? causationId, string? idempotencyKey)
    {
        if (correlationId is not null)
        {
            Identifiers.ValidateOpaqueId(correlationId, "Correlation id", nameof(correlationId));
        }

        if (causationId is not null)
        {
            Identifiers.ValidateOpaqueId(causationId, "Causation id", nameof(causationId));
        }

        if (idempotencyKey is not null)
        {
            Identifiers.ValidateOpaqueId(idempotencyKey, "Idempotency key", nameof(idempotencyKey));
            if (idempotencyKey.StartsWith('$'))
            {
                throw new ArgumentException($"Idempotency key '{idempotencyKey}' is not valid: keys starting with '$' are reserved for the engine.", nameof(idempotencyKey));
            }
        }
    }

    /// <summary>
    /// Commits to the store, and keeps the instances written as where this engine's next request on them starts; forgets
    /// them when the commit was refused, and does not keep an ended loop (it takes no more transitions).
    /// </summary>
    private ValueTask<CommitResult> CommitAsync(StoreCommit commit, CancellationToken cancellationToken)
    {
        var pending = _store.CommitAsync(commit, cancellationToken);
        if (_cache is null)
        {
            return pending;
        }

        if (pending.IsCompletedSuccessfully)
        {
            Keep(commit, pending.Result);
            return pending;
        }

        return KeepAsync(pending, commit);

        async ValueTask<CommitResult> KeepAsync(ValueTask<CommitResult> committing, StoreCommit written)
        {
            var result = await committing.ConfigureAwait(false);
            Keep(written, result);
            return result;
        }
    }

    private void Keep(StoreCommit commit, CommitResult result)
    {
        var instances = commit.Instances;
        for (var i = 0; i < instances.Count; i++)
        {
            if (result.IsCommitted && !instances[i].Instance.IsEnded)
            {
                _cache!.Put(commit.OrgId, instances[i].Instance);
            }
            else
            {
                _cache!.Remove(commit.OrgId, instances[i].Instance.AggregateId);
            }
        }
    }

    private ValueTask<LoopInstance> LoadAsync(string org, string aggregateId, string? expectedLoopId, CancellationToken cancellationToken) =>
        LoadAsync(_store.GetInstanceAsync(org, aggregateId, cancellationToken), org, aggregateId, expectedLoopId);

    private static async ValueTask<LoopInstance> LoadAsync(ValueTask<LoopInstance?> pending, string org, string aggregateId, string? expectedLoopId)
    {
        var instance = await pending.ConfigureAwait(false) ?? throw NotFound(org, aggregateId);
        return CheckLoop(instance, aggregateId, expectedLoopId);
    }

    private static LoopNotFoundException NotFound(string org, string aggregateId) =>
        new($"No loop instance exists for aggregate '{Identifiers.Printable(aggregateId)}' in org '{org}'. Start one with StartAsync, or check the aggregate id and org.");

    private static LoopInstance CheckLoop(LoopInstance instance, string aggregateId, string? expectedLoopId)
    {
        if (expectedLoopId is not null && !string.Equals(expectedLoopId, instance.LoopId, StringComparison.Ordinal))
        {
            throw new LoopMismatchException($"Aggregate '{aggregateId}' runs loop '{instance.LoopId}', not '{expectedLoopId}'. Name loop '{instance.LoopId}' or omit the loop id.");
        }

        return instance;
    }

    private async ValueTask<TransitionResult?> TryReplayAsync(string org, LoopInstance instance, string key, string requestHash, CancellationToken cancellationToken)
    {
        var entry = await _store.GetIdempotencyEntryAsync(org, instance.AggregateId, key, cancellationToken).ConfigureAwait(false);
        if (entry is null)
        {
            return null;
        }

        if (!string.Equals(entry.RequestHash, requestHash, StringComparison.Ordinal))
        {
            throw new IdempotencyConflictException(
                $"Idempotency key '{key}' was already used on aggregate '{instance.AggregateId}' for a different request. Use a new key for a new request, or resend the original request unchanged.");
        }

        if (entry.Sequence is { } sequence)
        {
            var records = await _store.ReadTraceAsync(org, instance.AggregateId, sequence, 1, cancellationToken).ConfigureAwait(false);
            return new TransitionResult { Outcome = TransitionOutcome.Executed, Instance = instance, Record = records.Count > 0 ? records[0] : null, IsReplay = true };
        }

        var recommendation = entry.RecommendationId is null ? null : await _store.GetRecommendationAsync(org, entry.RecommendationId, cancellationToken).ConfigureAwait(false);
        return new TransitionResult { Outcome = TransitionOutcome.PendingApproval, Instance = instance, Recommendation = recommendation, IsReplay = true };
    }

    /// <summary>
    /// Writes a started event's own fields. The in-memory store recognizes a started event by this writer and keeps it as
    /// the 128 bits of its id, rendering it again from the start record and the instance when read.
    /// </summary>
    internal static readonly Action<System.Text.Json.Utf8JsonWriter, (string State, Actor Actor)> StartedFields = static (w, s) =>
    {
        w.WriteString("initialState", s.State);
        EventWriter.WriteActor(w, "actor", s.Actor);
    };

    /// <summary>Sets a new record's hash (computed from its other fields) in place: the record is not yet shared.</summary>
    private static TransitionRecord Seal(TransitionRecord record)
    {
        record.SetHash(TraceCanonicalizer.ComputeHashValue(record));
        return record;
    }
}
