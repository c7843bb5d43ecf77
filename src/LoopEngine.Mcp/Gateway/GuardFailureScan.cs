using System.Text.Json;

namespace LoopEngine.Mcp;

/// <summary>One group of hard guard failures on one aggregate, transition and guard, read from the event stream.</summary>
internal sealed record GuardFailureGroup(string LoopId, string AggregateId, string TransitionId, string GuardId, int Count, string LastMessage, DateTimeOffset LastAt);

/// <summary>Reads <c>loop.guard.failed</c> events of the gateway's org from the stream and groups the hard ones.</summary>
internal static class GuardFailureScan
{
    public static async ValueTask<IReadOnlyList<GuardFailureGroup>> ReadAsync(LoopGateway gateway, string? loopId, string? aggregateId, CancellationToken cancellationToken)
    {
        var groups = new Dictionary<(string, string, string), GuardFailureGroup>();
        await foreach (var item in gateway.Engine.ReadEventsAsync(0, false, cancellationToken).ConfigureAwait(false))
        {
            if (item.Type != LoopEventTypes.GuardFailed
                || !string.Equals(item.OrgId, gateway.Org, StringComparison.Ordinal)
                || (loopId is not null && !string.Equals(item.LoopId, loopId, StringComparison.Ordinal))
                || (aggregateId is not null && !string.Equals(item.AggregateId, aggregateId, StringComparison.Ordinal)))
            {
                continue;
            }

            using var document = JsonDocument.Parse(item.Json);
            var root = document.RootElement;
            if (Text(root, "severity") == "soft")
            {
                continue;
            }

            var transition = Text(root, "attemptedTransitionId") ?? string.Empty;
            var guard = Text(root, "guardId") ?? string.Empty;
            var message = Text(root, "guardFailureMessage") ?? string.Empty;
            var key = (item.AggregateId, transition, guard);
            groups[key] = groups.TryGetValue(key, out var group)
                ? group with { Count = group.Count + 1, LastMessage = message, LastAt = item.OccurredAt }
                : new GuardFailureGroup(item.LoopId, item.AggregateId, transition, guard, 1, message, item.OccurredAt);
        }

        return [.. groups.Values.OrderByDescending(g => g.Count).ThenBy(g => g.AggregateId, StringComparer.Ordinal)];
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
