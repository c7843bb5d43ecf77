using System.Buffers;
using System.Text.Json;

namespace LoopEngine;

public sealed partial class LoopRuntime
{
    /// <inheritdoc/>
    public async ValueTask<LoopInstance> MigrateAsync(MigrationRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.Actor);
        ArgumentNullException.ThrowIfNull(request.Migration);
        var org = ResolveOrg(request.OrgId);
        Identifiers.ValidateOpaqueId(request.AggregateId, "Aggregate id", nameof(request));
        if (string.IsNullOrWhiteSpace(request.Reason) || request.Reason.Length > 4096)
        {
            throw new ArgumentException("A migration needs a reason of 1 to 4096 characters.", nameof(request));
        }

        var migration = request.Migration;
        migration.EnsureValid(_registry);
        var target = GetCompiled(migration.LoopId, migration.ToVersion);
        for (var attempt = 0; ; attempt++)
        {
            var instance = await LoadAsync(org, request.AggregateId, null, cancellationToken).ConfigureAwait(false);
            if (instance.IsEnded)
            {
                throw new LoopClosedException($"Loop '{instance.LoopId}' for aggregate '{instance.AggregateId}' has ended (status {instance.Status} in state {instance.CurrentState}): only running loops migrate.");
            }

            if (!string.Equals(instance.LoopId, migration.LoopId, StringComparison.Ordinal) || !string.Equals(instance.DefinitionVersion, migration.FromVersion, StringComparison.Ordinal))
            {
                throw new LoopMigrationException($"Aggregate '{instance.AggregateId}' runs '{instance.LoopId}@{instance.DefinitionVersion}', but migration '{migration.Key}' moves instances of '{migration.LoopId}@{migration.FromVersion}'.");
            }

            if (!migration.TryMap(instance.CurrentState, target.Definition, out var toState))
            {
                throw new LoopMigrationException(
                    $"Migration '{migration.Key}' does not map state '{instance.CurrentState}' of aggregate '{instance.AggregateId}': '{target.Definition.Key}' has no such state and the state map names it not. Add '{instance.CurrentState}' to the state map; the new version's states are: {string.Join(", ", target.Definition.States.Select(s => s.Id))}.");
            }

            var now = Now();
            var evidence = MigrationEvidence(migration, instance.CurrentState, toState, request.Reason);
            var (record, events, recommendations) = await ReservedStepAsync(instance, ReservedTransitions.Migrate, migration.ToVersion, toState, request.Actor, evidence, now, cancellationToken).ConfigureAwait(false);

            events.Add(_events.Create(LoopEventTypes.Migrated, org, instance.LoopId, instance.AggregateId, instance.CorrelationId, null, now, w =>
            {
                w.WriteString("fromVersion", migration.FromVersion);
                w.WriteString("toVersion", migration.ToVersion);
                w.WriteString("fromState", instance.CurrentState);
                w.WriteString("toState", toState);
                w.WriteString("reason", request.Reason);
                EventWriter.WriteActor(w, "actor", request.Actor);
                w.WriteNumber("sequence", record.Sequence);
            }));
            var updated = instance with
            {
                DefinitionVersion = migration.ToVersion,
                CurrentState = toState,
                Status = target.StatusOf(toState),
                Version = record.Sequence,
                UpdatedAt = now,
                HeadHashValue = record.HashValue,
                PendingRecommendationCount = 0,
                PendingRecommendations = [],
            };
            List<TimerChange>? timers = null;
            CancelEngineTimers(ref timers, GetCompiled(instance.LoopId, instance.DefinitionVersion).Definition, instance);
            if (SlaTimer(target.Definition, updated) is { } sla)
            {
                (timers ??= new List<TimerChange>(1)).Add(sla);
            }

            var result = await CommitAsync(
                new StoreCommit { OrgId = org, Instances = [InstanceWrite.Over(instance, updated)], Records = [record], Events = events, Recommendations = recommendations, Timers = TimersIfSupported(timers) },
                cancellationToken).ConfigureAwait(false);
            if (result.IsCommitted)
            {
                LoopRuntimeLog.Migrated(_logger, instance.LoopId, instance.AggregateId, migration.FromVersion, instance.CurrentState, migration.ToVersion, toState, request.Actor.Id);
                return updated;
            }

            if (attempt >= _options.MaxConflictRetries)
            {
                throw new InvalidOperationException($"Loop '{instance.AggregateId}' could not be migrated: it kept moving ({attempt + 1} attempts).");
            }
        }
    }

    private Evidence MigrationEvidence(LoopMigration migration, string fromState, string toState, string reason)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteStartObject(ReservedEvidence.Migration);
            w.WriteString("fromVersion", migration.FromVersion);
            w.WriteString("toVersion", migration.ToVersion);
            w.WriteString("fromState", fromState);
            w.WriteString("toState", toState);
            w.WriteEndObject();
            w.WriteString("reason", reason);
            w.WriteEndObject();
        }

        return Evidence.ParseUtf8(buffer.WrittenSpan, _options.MaxEvidenceBytes, _options.MaxEvidenceDepth);
    }

    /// <summary>
    /// Removes a definition version from the registry, after checking the store: a version that running (open or in
    /// progress) instances still use cannot be removed. Migrate them (<see cref="MigrateAsync"/>) or let them end first.
    /// </summary>
    /// <param name="loopId">The loop id.</param>
    /// <param name="version">The version.</param>
    /// <param name="orgIds">The orgs to check (stores list instances per org); <see langword="null"/> for <see cref="LoopEngineOptions.DefaultOrgId"/> only.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><see langword="true"/> when the version was registered and is now removed; <see langword="false"/> when it was not registered.</returns>
    /// <exception cref="DefinitionVersionInUseException">Running instances in one of the orgs use the version; the message names some of them.</exception>
    /// <remarks>A start racing the removal may still open an instance on the version; hosts remove versions when nothing starts them.</remarks>
    public async ValueTask<bool> UnregisterAsync(string loopId, string version, IEnumerable<string>? orgIds = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(loopId);
        ArgumentNullException.ThrowIfNull(version);
        if (!_registry.TryGet(loopId, version, out _))
        {
            return false;
        }

        foreach (var org in orgIds?.ToList() ?? [_options.DefaultOrgId])
        {
            Identifiers.ValidateOpaqueId(org, "Org id", nameof(orgIds));
            var page = await _store.QueryInstancesAsync(
                new InstanceQuery { OrgId = org, LoopId = loopId, DefinitionVersion = version, Statuses = [LoopStatus.Open, LoopStatus.InProgress], PageSize = 10 },
                cancellationToken).ConfigureAwait(false);
            if (page.Items.Count > 0)
            {
                throw new DefinitionVersionInUseException(
                    $"Version '{version}' of loop '{loopId}' cannot be removed: running instances in org '{org}' use it ({string.Join(", ", page.Items.Select(i => i.AggregateId))}{(page.ContinuationToken is null ? string.Empty : ", ...")}). Migrate them with MigrateAsync or let them end first.");
            }
        }

        var removed = _registry.Remove(loopId, version);
        if (_compiled.TryRemove((loopId, version), out var dropped))
        {
            dropped.Retire();
        }

        if (removed)
        {
            LoopRuntimeLog.Unregistered(_logger, loopId, version);
        }

        return removed;
    }
}
