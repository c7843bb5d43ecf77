using LoopEngine.Conformance.Stores;
using LoopEngine.Tests.TestSupport;

namespace LoopEngine.Tests.Runtime;

/// <summary>
/// Storing a recommendation changes an instance's pending count without a new version. A request that read the instance
/// before such a commit and commits after it must not write its older count back: these tests hold one commit at the
/// store until another has committed, and check that the held one is re-evaluated against the count that won.
/// </summary>
public sealed class PendingRecommendationRaceTests
{
    private const string Po = "PO-RACE-1";
    private static readonly Actor Drew = Actor.Human("drew.kim@lumebonde.co");
    private static readonly Actor Replenishment = Actor.Automation("system:replenishment");
    private static readonly Actor Claude = Actor.AiAgent("agent:commerce-gateway/claude", "claude-sonnet-4", "anthropic", 0.92);
    private static readonly Actor Gemini = Actor.AiAgent("agent:commerce-gateway/gemini", "gemini-2.5", "google", 0.81);

    [Fact]
    public async Task Transition_ReadBeforeARecommendationCommittedAfterIt_IsRetriedAndSupersedesTheRecommendation()
    {
        var (engine, store) = await ReceiptScheduledAsync();
        store.HoldFirst(c => c.Records.Count > 0);
        var transition = Request(engine, "receive", Drew).AsTask();
        await store.Held;

        var pending = await Request(engine, "receive", Claude);
        pending.IsPending.Should().BeTrue(pending.Message);
        store.Release();
        var result = await transition;

        result.IsExecuted.Should().BeTrue(result.Message);
        store.Matches.Should().Be(2, "the held commit was refused and the re-evaluated request committed");
        var instance = (await engine.GetInstanceAsync(Po))!;
        instance.CurrentState.Should().Be("RECEIVED");
        instance.PendingRecommendationCount.Should().Be(0);
        (await engine.ListRecommendationsAsync(new RecommendationQuery { OrgId = "default", Statuses = [RecommendationStatus.Pending] })).Items.Should().BeEmpty();
        (await store.GetRecommendationAsync("default", pending.Recommendation!.Id))!.Status.Should().Be(RecommendationStatus.Superseded);
        (await engine.GetTraceAsync(Po)).Should().HaveCount(4);
    }

    [Fact]
    public async Task TransitionWithExpectedVersion_ReadBeforeARecommendationCommittedAfterIt_ExecutesAtThatVersion()
    {
        var (engine, store) = await ReceiptScheduledAsync();
        store.HoldFirst(c => c.Records.Count > 0);
        var transition = Request(engine, "receive", Drew, expectedVersion: 3).AsTask();
        await store.Held;

        var pending = await Request(engine, "receive", Claude);
        pending.IsPending.Should().BeTrue();
        store.Release();
        var result = await transition;

        // The version the caller expected still holds: the count moved, which is no reason to refuse the request.
        result.IsExecuted.Should().BeTrue(result.Message);
        result.Record!.Sequence.Should().Be(4);
        (await engine.GetInstanceAsync(Po))!.PendingRecommendationCount.Should().Be(0);
        (await store.GetRecommendationAsync("default", pending.Recommendation!.Id))!.Status.Should().Be(RecommendationStatus.Superseded);
    }

    [Fact]
    public async Task TwoRecommendations_Racing_BothCountAsPending()
    {
        var (engine, store) = await ReceiptScheduledAsync();
        store.HoldFirst(c => c.Recommendations.Count > 0);
        var first = Request(engine, "receive", Claude).AsTask();
        await store.Held;

        (await Request(engine, "receive", Gemini)).IsPending.Should().BeTrue();
        store.Release();
        (await first).IsPending.Should().BeTrue();

        var instance = (await engine.GetInstanceAsync(Po))!;
        instance.PendingRecommendationCount.Should().Be(2);
        instance.PendingRecommendations.Should().HaveCount(2);
    }

    private static ValueTask<TransitionResult> Request(LoopRuntime engine, string transitionId, Actor actor, long? expectedVersion = null, string evidence = """{"shipment_scan":"confirmed"}""") =>
        engine.TransitionAsync(new TransitionRequest { AggregateId = Po, TransitionId = transitionId, Actor = actor, Evidence = Evidence.Parse(evidence), ExpectedVersion = expectedVersion });

    private static async Task<(LoopRuntime Engine, HoldingStore Store)> ReceiptScheduledAsync()
    {
        var store = new HoldingStore(new InMemoryLoopStore());
        var (engine, _, _) = EngineOnStoreConformanceTests.CreateEngine(store);
        await engine.StartAsync(new StartLoopRequest { LoopId = "scm.procurement", AggregateId = Po, Actor = Replenishment });
        (await Request(engine, "confirm_po", Drew, evidence: """{"approved":true,"method":"3-way-match"}""")).IsExecuted.Should().BeTrue();
        (await Request(engine, "schedule_receipt", Replenishment, evidence: """{"warehouse":"DC-East","eta":"2026-02-17"}""")).IsExecuted.Should().BeTrue();
        return (engine, store);
    }

    /// <summary>Holds the first commit that matches a predicate until <see cref="Release"/>; every other commit goes straight through.</summary>
    private sealed class HoldingStore(ILoopStore inner) : ForwardingLoopStore(inner)
    {
        private readonly TaskCompletionSource _held = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private Func<StoreCommit, bool>? _hold;
        private int _matches;

        public Task Held => _held.Task;

        /// <summary>Gets how many commits matched the predicate (the held one included).</summary>
        public int Matches => Volatile.Read(ref _matches);

        /// <summary>Holds the first commit matching <paramref name="hold"/>.</summary>
        public void HoldFirst(Func<StoreCommit, bool> hold) => _hold = hold;

        public void Release() => _released.TrySetResult();

        public override async ValueTask<CommitResult> CommitAsync(StoreCommit commit, CancellationToken cancellationToken = default)
        {
            if (_hold is { } hold && hold(commit) && Interlocked.Increment(ref _matches) == 1)
            {
                _held.TrySetResult();
                await _released.Task.WaitAsync(cancellationToken);
            }

            return await Inner.CommitAsync(commit, cancellationToken);
        }
    }
}
