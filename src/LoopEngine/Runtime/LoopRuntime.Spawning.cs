using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;

namespace LoopEngine;

public sealed partial class LoopRuntime
{
    private readonly ConcurrentDictionary<string, AggregateIdPattern> _spawnPatterns = new(StringComparer.Ordinal);

    /// <summary>What a spawn adds to a commit.</summary>
    private sealed record PreparedSpawn(InstanceWrite Write, TransitionRecord Record, LoopEvent Started, LoopEvent Spawned, IReadOnlyList<TimerChange> Timers);

    /// <summary>Gets the causation id a child loop records for the parent record that spawned it: <c>{parentAggregateId}#{sequence}</c>.</summary>
    /// <param name="parentAggregateId">The parent's aggregate id.</param>
    /// <param name="parentSequence">The parent record's sequence.</param>
    /// <returns>The causation id.</returns>
    public static string SpawnCausationId(string parentAggregateId, long parentSequence) =>
        string.Concat(parentAggregateId, "#", parentSequence.ToString(CultureInfo.InvariantCulture));

    /// <summary>Gets the aggregate id pattern a spawned child of <paramref name="childLoopId"/> takes its id from.</summary>
    /// <param name="childLoopId">The child loop id.</param>
    /// <returns>The configured pattern, or the default pattern with <c>{loopId}</c> replaced.</returns>
    public AggregateIdPattern GetSpawnAggregateIdPattern(string childLoopId)
    {
        ArgumentNullException.ThrowIfNull(childLoopId);
        return _spawnPatterns.GetOrAdd(childLoopId, static (id, options) =>
            AggregateIdPattern.Parse(options.SpawnAggregateIdPatterns.TryGetValue(id, out var text)
                ? text
                : options.DefaultSpawnAggregateIdPattern.Replace("{loopId}", id, StringComparison.Ordinal)),
            _options);
    }

    private void ValidateSpawnPatterns()
    {
        foreach (var (loopId, pattern) in _options.SpawnAggregateIdPatterns)
        {
            try
            {
                _ = AggregateIdPattern.Parse(pattern);
            }
            catch (FormatException ex)
            {
                throw new ArgumentException($"LoopEngineOptions.SpawnAggregateIdPatterns['{loopId}'] is invalid: {ex.Message}", "options", ex);
            }
        }

        try
        {
            _ = AggregateIdPattern.Parse(_options.DefaultSpawnAggregateIdPattern.Replace("{loopId}", "a.b", StringComparison.Ordinal));
        }
        catch (FormatException ex)
        {
            throw new ArgumentException($"LoopEngineOptions.DefaultSpawnAggregateIdPattern is invalid: {ex.Message}", "options", ex);
        }
    }

    /// <summary>Builds a child loop's start (instance, <c>$start</c> record, <c>loop.started</c>, <c>loop.spawned</c>, SLA timer) for a parent record.</summary>
    private async ValueTask<PreparedSpawn> PrepareSpawnAsync(
        string org,
        string parentLoopId,
        string parentAggregateId,
        long parentSequence,
        string parentTransitionId,
        string parentHash,
        string childLoopId,
        string? childAggregateId,
        string? childVersion,
        Actor actor,
        Evidence? extraEvidence,
        string correlation,
        DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var definition = _registry.Get(childLoopId, childVersion);
        var compiled = GetCompiled(definition.Id, definition.Version);
        childAggregateId ??= await GetSpawnAggregateIdPattern(childLoopId).NextAsync(_store, org, now, cancellationToken).ConfigureAwait(false);
        Identifiers.ValidateOpaqueId(childAggregateId, "Child aggregate id", nameof(childAggregateId));
        if (string.Equals(childAggregateId, parentAggregateId, StringComparison.Ordinal))
        {
            throw new LoopAlreadyExistsException($"A child loop cannot reuse its parent's aggregate id '{parentAggregateId}'.");
        }

        var causation = SpawnCausationId(parentAggregateId, parentSequence);
        var evidence = SpawnEvidence(parentLoopId, parentAggregateId, parentSequence, parentTransitionId, parentHash, extraEvidence);
        var record = Seal(new TransitionRecord
        {
            OrgId = org,
            LoopId = definition.Id,
            DefinitionVersion = definition.Version,
            AggregateId = childAggregateId,
            Sequence = 1,
            TransitionId = ReservedTransitions.Start,
            FromState = null,
            ToState = definition.InitialState,
            Actor = actor,
            OccurredAt = now,
            Evidence = evidence,
            CorrelationId = correlation,
            CausationId = causation,
            PreviousHash = TransitionRecord.GenesisHash,
            Hash = string.Empty,
        });
        var child = new LoopInstance
        {
            OrgId = org,
            LoopId = definition.Id,
            DefinitionVersion = definition.Version,
            AggregateId = childAggregateId,
            CurrentState = definition.InitialState,
            Status = compiled.StatusOf(definition.InitialState),
            Version = 1,
            CorrelationId = correlation,
            OpenedAt = now,
            UpdatedAt = now,
            HeadHash = TransitionRecord.GenesisHash,
            HeadHashValue = record.HashValue,
            ParentLoopId = parentLoopId,
            ParentAggregateId = parentAggregateId,
        };
        var started = _events.Create(LoopEventTypes.Started, org, definition.Id, childAggregateId, correlation, causation, now, w =>
        {
            w.WriteString("initialState", definition.InitialState);
            EventWriter.WriteActor(w, "actor", actor);
        });
        var spawned = _events.Create(LoopEventTypes.Spawned, org, parentLoopId, parentAggregateId, correlation, causation, now, w =>
        {
            w.WriteString("parentAggregateId", parentAggregateId);
            w.WriteString("childLoopId", definition.Id);
            w.WriteString("childAggregateId", childAggregateId);
        });
        var timers = new List<TimerChange>(1);
        AddSlaTimer(timers, definition, child);
        return new PreparedSpawn(new InstanceWrite(child, 0), record, started, spawned, timers);
    }

    private Evidence SpawnEvidence(string parentLoopId, string parentAggregateId, long parentSequence, string parentTransitionId, string parentHash, Evidence? extra)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteStartObject(ReservedEvidence.SpawnedBy);
            w.WriteString("loopId", parentLoopId);
            w.WriteString("aggregateId", parentAggregateId);
            w.WriteNumber("sequence", parentSequence);
            w.WriteString("transitionId", parentTransitionId);
            w.WriteString("recordHash", parentHash);
            w.WriteEndObject();
            if (extra is not null)
            {
                foreach (var property in extra.Root.EnumerateObject())
                {
                    if (property.NameEquals(ReservedEvidence.SpawnedBy))
                    {
                        throw new EvidenceException($"Evidence property '{ReservedEvidence.SpawnedBy}' is reserved: the engine writes the parent there. Rename the property.");
                    }

                    property.WriteTo(w);
                }
            }

            w.WriteEndObject();
        }

        return CheckEvidence(Evidence.ParseUtf8(buffer.WrittenSpan, _options.MaxEvidenceBytes, _options.MaxEvidenceDepth));
    }

    /// <summary>Opens the children a transition declares, for the commit that executes it.</summary>
    private async ValueTask<List<PreparedSpawn>?> PrepareDeclaredSpawnsAsync(LoopInstance parent, TransitionSpec transition, TransitionRecord record, Actor actor, string correlation, IReadOnlyDictionary<string, string>? explicitIds, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (explicitIds is not null)
        {
            foreach (var loopId in explicitIds.Keys)
            {
                if (!transition.Spawns.Contains(loopId, StringComparer.Ordinal))
                {
                    throw new SpawnNotAllowedException(
                        $"TransitionRequest.SpawnAggregateIds names loop '{Identifiers.Printable(loopId)}', which transition '{transition.Id}' of '{parent.LoopId}' does not spawn. It spawns: {(transition.Spawns.Count == 0 ? "nothing" : string.Join(", ", transition.Spawns))}.");
                }
            }
        }

        if (transition.Spawns.Count == 0)
        {
            return null;
        }

        var spawns = new List<PreparedSpawn>(transition.Spawns.Count);
        foreach (var childLoopId in transition.Spawns)
        {
            string? childId = null;
            explicitIds?.TryGetValue(childLoopId, out childId);
            spawns.Add(await PrepareSpawnAsync(parent.OrgId, parent.LoopId, parent.AggregateId, record.Sequence, transition.Id, record.Hash, childLoopId, childId, null, actor, null, correlation, now, cancellationToken).ConfigureAwait(false));
        }

        return spawns;
    }

    /// <inheritdoc/>
    public async ValueTask<LoopInstance> SpawnAsync(SpawnLoopRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.Actor);
        var org = ResolveOrg(request.OrgId);
        Identifiers.ValidateOpaqueId(request.ParentAggregateId, "Parent aggregate id", nameof(request));
        Identifiers.ValidateLoopId(request.ChildLoopId, nameof(request));
        if (request.ChildAggregateId is not null)
        {
            Identifiers.ValidateOpaqueId(request.ChildAggregateId, "Child aggregate id", nameof(request));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(request.ParentSequence, 1, nameof(request));
        var parent = await LoadAsync(org, request.ParentAggregateId, null, cancellationToken).ConfigureAwait(false);
        var definition = GetCompiled(parent.LoopId, parent.DefinitionVersion).Definition;
        var spawnable = definition.SpawnableLoops ?? [];
        if (!spawnable.Contains(request.ChildLoopId, StringComparer.Ordinal))
        {
            throw new SpawnNotAllowedException(
                $"Loop '{definition.Key}' may not spawn '{request.ChildLoopId}': its spawnableLoops are {(spawnable.Count == 0 ? "empty" : string.Join(", ", spawnable))}.");
        }

        var records = await _store.ReadTraceAsync(org, parent.AggregateId, request.ParentSequence, 1, cancellationToken).ConfigureAwait(false);
        if (records.Count == 0 || records[0].Sequence != request.ParentSequence)
        {
            throw new ArgumentOutOfRangeException(nameof(request), request.ParentSequence, $"Aggregate '{parent.AggregateId}' has no trace record {request.ParentSequence}: its trace ends at {parent.Version}.");
        }

        var existing = await FindSpawnedChildAsync(org, parent.AggregateId, request.ParentSequence, request.ChildLoopId, cancellationToken).ConfigureAwait(false);
        if (existing is not null)
        {
            return existing;
        }

        var parentRecord = records[0];
        var evidence = request.Evidence is null ? null : CheckEvidence(request.Evidence);
        var now = Now();
        var spawn = await PrepareSpawnAsync(org, parent.LoopId, parent.AggregateId, parentRecord.Sequence, parentRecord.TransitionId, parentRecord.Hash, request.ChildLoopId, request.ChildAggregateId, request.ChildVersion, request.Actor, evidence, parentRecord.CorrelationId, now, cancellationToken).ConfigureAwait(false);
        var commit = new StoreCommit
        {
            OrgId = org,
            Instances = [spawn.Write],
            Records = [spawn.Record],
            Events = [spawn.Started, spawn.Spawned],
            Timers = TimersIfSupported(spawn.Timers),

            // The key makes the follow-up exactly-once per (parent record, child loop) even when two handlers race.
            Idempotency = new IdempotencyEntry
            {
                OrgId = org,
                AggregateId = parent.AggregateId,
                Key = string.Create(CultureInfo.InvariantCulture, $"$spawn:{request.ParentSequence}:{request.ChildLoopId}"),
                RequestHash = spawn.Write.Instance.AggregateId,
                CreatedAt = now,
            },
        };
        var result = await CommitAsync(commit, cancellationToken).ConfigureAwait(false);
        if (result.IsCommitted)
        {
            LoopRuntimeLog.Spawned(_logger, parent.LoopId, parent.AggregateId, parentRecord.Sequence, spawn.Write.Instance.LoopId, spawn.Write.Instance.AggregateId, parentRecord.CorrelationId);
            return spawn.Write.Instance;
        }

        if (result.Outcome == CommitOutcome.IdempotencyKeyExists
            && await FindSpawnedChildAsync(org, parent.AggregateId, request.ParentSequence, request.ChildLoopId, cancellationToken).ConfigureAwait(false) is { } winner)
        {
            return winner;
        }

        throw new LoopAlreadyExistsException(
            $"Aggregate '{spawn.Write.Instance.AggregateId}' already has a loop in org '{org}': the child of '{parent.AggregateId}' record {request.ParentSequence} was not opened. Name another child aggregate id, or seed the pattern's sequence past it.");
    }

    /// <summary>Finds the child of <paramref name="childLoopId"/> that parent record <paramref name="sequence"/> spawned, if any.</summary>
    private async ValueTask<LoopInstance?> FindSpawnedChildAsync(string org, string parentAggregateId, long sequence, string childLoopId, CancellationToken cancellationToken)
    {
        var causation = SpawnCausationId(parentAggregateId, sequence);
        foreach (var child in await QueryAllAsync(new InstanceQuery { OrgId = org, ParentAggregateId = parentAggregateId, LoopId = childLoopId, PageSize = InstanceQuery.MaxPageSize }, cancellationToken).ConfigureAwait(false))
        {
            var start = await _store.ReadTraceAsync(org, child.AggregateId, 1, 1, cancellationToken).ConfigureAwait(false);
            if (start.Count == 1 && string.Equals(start[0].CausationId, causation, StringComparison.Ordinal))
            {
                return child;
            }
        }

        return null;
    }

    private async ValueTask<List<LoopInstance>> QueryAllAsync(InstanceQuery query, CancellationToken cancellationToken)
    {
        var all = new List<LoopInstance>();
        string? token = null;
        do
        {
            var page = await _store.QueryInstancesAsync(query with { ContinuationToken = token }, cancellationToken).ConfigureAwait(false);
            all.AddRange(page.Items);
            token = page.ContinuationToken;
        }
        while (token is not null);
        return all;
    }

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<LoopInstance>> GetChildrenAsync(string aggregateId, string? orgId = null, CancellationToken cancellationToken = default)
    {
        var org = ResolveOrg(orgId);
        Identifiers.ValidateOpaqueId(aggregateId, "Aggregate id", nameof(aggregateId));
        return await QueryAllAsync(new InstanceQuery { OrgId = org, ParentAggregateId = aggregateId, PageSize = InstanceQuery.MaxPageSize }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask<LoopInstance?> GetParentAsync(string aggregateId, string? orgId = null, CancellationToken cancellationToken = default)
    {
        var org = ResolveOrg(orgId);
        Identifiers.ValidateOpaqueId(aggregateId, "Aggregate id", nameof(aggregateId));
        var child = await _store.GetInstanceAsync(org, aggregateId, cancellationToken).ConfigureAwait(false);
        return child?.ParentAggregateId is { } parent ? await _store.GetInstanceAsync(org, parent, cancellationToken).ConfigureAwait(false) : null;
    }

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<LoopTreeNode>> GetCorrelationTreeAsync(string correlationId, string? orgId = null, CancellationToken cancellationToken = default)
    {
        var org = ResolveOrg(orgId);
        Identifiers.ValidateOpaqueId(correlationId, "Correlation id", nameof(correlationId));
        var members = await QueryAllAsync(new InstanceQuery { OrgId = org, CorrelationId = correlationId, PageSize = InstanceQuery.MaxPageSize }, cancellationToken).ConfigureAwait(false);
        var ids = members.Select(m => m.AggregateId).ToHashSet(StringComparer.Ordinal);
        var byParent = members.Where(m => m.ParentAggregateId is not null && ids.Contains(m.ParentAggregateId))
            .GroupBy(m => m.ParentAggregateId!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var visiting = new HashSet<string>(StringComparer.Ordinal);
        LoopTreeNode Build(LoopInstance instance)
        {
            visiting.Add(instance.AggregateId);
            var children = byParent.TryGetValue(instance.AggregateId, out var list)
                ? list.Where(c => !visiting.Contains(c.AggregateId)).Select(Build).ToArray()
                : [];
            return new LoopTreeNode(instance, children);
        }

        return members.Where(m => m.ParentAggregateId is null || !ids.Contains(m.ParentAggregateId)).Select(Build).ToArray();
    }
}
