using System.Runtime.CompilerServices;
using System.Threading.Channels;
using LoopEngine;

namespace LoopEngine.Tests.Signals;

/// <summary>A small ILoopEngine for signal tests: starts and ends instances, and streams their end events.</summary>
internal sealed class FakeLoopEngine : ILoopEngine
{
    private readonly Dictionary<string, LoopInstance> _instances = new(StringComparer.Ordinal);
    private readonly Channel<LoopEvent> _events = Channel.CreateUnbounded<LoopEvent>();
    private long _position;

    public List<StartLoopRequest> Starts { get; } = [];

    public ValueTask<LoopInstance> StartAsync(StartLoopRequest request, CancellationToken cancellationToken = default)
    {
        var org = request.OrgId ?? "default";
        if (_instances.ContainsKey(request.AggregateId))
        {
            throw new LoopAlreadyExistsException($"{org}/{request.AggregateId} exists");
        }

        Starts.Add(request);
        var at = new DateTimeOffset(2026, 2, 14, 9, 0, 0, TimeSpan.Zero);
        var instance = new LoopInstance
        {
            OrgId = org,
            LoopId = request.LoopId,
            DefinitionVersion = request.Version ?? "2.0.0",
            AggregateId = request.AggregateId,
            CurrentState = "LOW_STOCK_SIGNAL",
            Status = LoopStatus.Open,
            Version = 1,
            CorrelationId = request.CorrelationId ?? "corr_" + request.AggregateId,
            OpenedAt = at,
            UpdatedAt = at,
            HeadHash = "hash",
        };
        _instances[request.AggregateId] = instance;
        return ValueTask.FromResult(instance);
    }

    public void End(string aggregateId, string state, LoopStatus status)
    {
        var instance = _instances[aggregateId] with { CurrentState = state, Status = status, ClosedAt = DateTimeOffset.UnixEpoch };
        _instances[aggregateId] = instance;
        var type = status switch { LoopStatus.Closed => LoopEventTypes.Completed, LoopStatus.Error => LoopEventTypes.Error, _ => LoopEventTypes.Cancelled };
        _events.Writer.TryWrite(new LoopEvent
        {
            Position = ++_position,
            EventId = "evt_end_" + aggregateId,
            Type = type,
            OrgId = instance.OrgId,
            LoopId = instance.LoopId,
            AggregateId = aggregateId,
            CorrelationId = instance.CorrelationId,
            OccurredAt = DateTimeOffset.UnixEpoch,
            Json = "{}",
        });
    }

    public ValueTask<LoopInstance?> GetInstanceAsync(string aggregateId, string? orgId = null, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_instances.TryGetValue(aggregateId, out var i) ? i : null);

    public async IAsyncEnumerable<LoopEvent> ReadEventsAsync(long afterPosition = 0, bool follow = false, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var e in _events.Reader.ReadAllAsync(cancellationToken))
        {
            if (e.Position > afterPosition)
            {
                yield return e;
            }
        }
    }

    public LoopDefinition GetDefinition(string loopId, string? version = null) => throw new NotSupportedException();

    public IReadOnlyList<LoopDefinition> GetDefinitions() => throw new NotSupportedException();

    public ValueTask<TransitionResult> TransitionAsync(TransitionRequest request, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public ValueTask<TransitionResult> ApproveAsync(ApprovalRequest request, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public ValueTask<Recommendation> RejectAsync(RejectionRequest request, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public ValueTask<IReadOnlyList<TransitionRecord>> GetTraceAsync(string aggregateId, string? orgId = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public ValueTask<Page<LoopInstance>> ListInstancesAsync(InstanceQuery query, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public ValueTask<Page<Recommendation>> ListRecommendationsAsync(RecommendationQuery query, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public ValueTask<LoopInstance> CancelAsync(EndLoopRequest request, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public ValueTask<LoopInstance> FailAsync(EndLoopRequest request, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public ValueTask<int> ExpireRecommendationsAsync(string? orgId = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public ValueTask<TraceVerificationResult> VerifyTraceAsync(string aggregateId, string? orgId = null, TraceHead? exportedHead = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public ValueTask<LoopInstance> SpawnAsync(SpawnLoopRequest request, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public ValueTask<IReadOnlyList<LoopInstance>> GetChildrenAsync(string aggregateId, string? orgId = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public ValueTask<LoopInstance?> GetParentAsync(string aggregateId, string? orgId = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public ValueTask<IReadOnlyList<LoopTreeNode>> GetCorrelationTreeAsync(string correlationId, string? orgId = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public ValueTask<LoopInstance> MigrateAsync(MigrationRequest request, CancellationToken cancellationToken = default) => throw new NotSupportedException();
}
