using LoopEngine;
using Microsoft.Extensions.Time.Testing;

namespace LoopEngine.Tests.TestSupport;

/// <summary>An engine over an in-memory store with a fake clock and sequential ids.</summary>
internal sealed class EngineFixture
{
    public EngineFixture(ILoopStore? store = null, IReadOnlyDictionary<string, ILoopGuard>? guards = null, IActorAuthorizer? authorizer = null, LoopEngineOptions? options = null, params LoopDefinition[] definitions)
    {
        Store = store ?? new InMemoryLoopStore();
        Registry = new LoopRegistry();
        foreach (var definition in definitions.Length == 0 ? [TestLoops.Procurement(), TestLoops.Counter()] : definitions)
        {
            Registry.Add(definition);
        }

        Engine = new LoopRuntime(Store, Registry, options, Time, new SequentialLoopIdGenerator(), guards, authorizer);
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 2, 14, 9, 14, 10, TimeSpan.Zero));

    public ILoopStore Store { get; }

    public LoopRegistry Registry { get; }

    public LoopRuntime Engine { get; }

    public ValueTask<LoopInstance> StartProcurementAsync(string aggregateId = "PO-2026-0012", string? org = null) =>
        Engine.StartAsync(new StartLoopRequest { LoopId = "scm.procurement", AggregateId = aggregateId, Actor = TestLoops.Replenishment, CorrelationId = "corr_abc123", OrgId = org });

    public ValueTask<TransitionResult> RequestAsync(string aggregateId, string transitionId, Actor actor, string evidence = "{}", string? idempotencyKey = null, long? expectedVersion = null, string? org = null) =>
        Engine.TransitionAsync(new TransitionRequest
        {
            AggregateId = aggregateId,
            TransitionId = transitionId,
            Actor = actor,
            Evidence = Evidence.Parse(evidence),
            IdempotencyKey = idempotencyKey,
            ExpectedVersion = expectedVersion,
            OrgId = org,
        });

    public async Task<List<LoopEvent>> EventsAsync()
    {
        var events = new List<LoopEvent>();
        await foreach (var e in Engine.ReadEventsAsync())
        {
            events.Add(e);
        }

        return events;
    }
}
