using System.Text.Json;

namespace LoopEngine.Mcp;

/// <summary>One group of hard guard failures on one aggregate, transition and guard, read from the event stream.</summary>
internal sealed record GuardFailureGroup(string LoopId, string AggregateId, string TransitionId, string GuardId, int Count, string LastMessage, DateTimeOffset LastAt);

/// <summary>
/// An incremental index of the hard <c>loop.guard.failed</c> events of the gateway's org: each call reads the stream only
/// after the position the index reached last time, so a tool call costs the new events, never a rescan of the stream.
/// Its size is bounded by the distinct (aggregate, transition, guard) triples that ever failed.
/// </summary>
internal sealed class GuardFailureIndex : IDisposable
{
    private readonly Dictionary<(string AggregateId, string TransitionId, string GuardId), GuardFailureGroup> _groups = [];
    private readonly SemaphoreSlim _gate = new(1, 1);
    private long _position;

    /// <summary>Gets the position of the last event the index has read.</summary>
    public long Position => Volatile.Read(ref _position);

    public async ValueTask<IReadOnlyList<GuardFailureGroup>> ReadAsync(LoopGateway gateway, string? loopId, string? aggregateId, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await foreach (var item in gateway.Engine.ReadEventsAsync(_position, false, cancellationToken).ConfigureAwait(false))
            {
                Volatile.Write(ref _position, Math.Max(_position, item.Position));
                if (item.Type == LoopEventTypes.GuardFailed && string.Equals(item.OrgId, gateway.Org, StringComparison.Ordinal))
                {
                    Add(item);
                }
            }

            return [.. _groups.Values
                .Where(g => (loopId is null || string.Equals(g.LoopId, loopId, StringComparison.Ordinal))
                    && (aggregateId is null || string.Equals(g.AggregateId, aggregateId, StringComparison.Ordinal)))
                .OrderByDescending(g => g.Count)
                .ThenBy(g => g.AggregateId, StringComparer.Ordinal)
                .ThenBy(g => g.TransitionId, StringComparer.Ordinal)
                .ThenBy(g => g.GuardId, StringComparer.Ordinal)];
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    private void Add(LoopEvent item)
    {
        using var document = JsonDocument.Parse(item.Json);
        var root = document.RootElement;
        if (Text(root, "severity") == "soft")
        {
            return;
        }

        var transition = Text(root, "attemptedTransitionId") ?? string.Empty;
        var guard = Text(root, "guardId") ?? string.Empty;
        var message = Text(root, "guardFailureMessage") ?? string.Empty;
        var key = (item.AggregateId, transition, guard);
        _groups[key] = _groups.TryGetValue(key, out var group)
            ? group with { Count = group.Count + 1, LastMessage = message, LastAt = item.OccurredAt }
            : new GuardFailureGroup(item.LoopId, item.AggregateId, transition, guard, 1, message, item.OccurredAt);
    }

    private static string? Text(JsonElement root, string name)
    {
        if (root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String)
        {
            return value.GetString();
        }

        return root.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object && data.TryGetProperty(name, out value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
    }
}
