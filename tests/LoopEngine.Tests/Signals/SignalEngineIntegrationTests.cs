using System.Text.Json;
using LoopEngine.Signals;
using Microsoft.Extensions.Time.Testing;
using static LoopEngine.Tests.Signals.SignalTestEvents;

namespace LoopEngine.Tests.Signals;

/// <summary>The signal engine against the real LoopRuntime, the in-memory store and the shipped scm.replenishment 2.0.0.</summary>
public sealed class SignalEngineIntegrationTests
{
    private readonly FakeTimeProvider _time = new(T0.AddHours(1).AddMinutes(1));
    private readonly InMemoryLoopStore _store = new();
    private readonly LoopRuntime _runtime;

    public SignalEngineIntegrationTests()
    {
        _runtime = new LoopRuntime(_store, LoopCatalog.AddTo(new LoopRegistry()), timeProvider: _time, idGenerator: new SequentialLoopIdGenerator());
    }

    private ISignalEngine CreateEngine(ISignalStore store) => new SignalEngineBuilder()
        .AddSignal(ScmSignals.DemandSpike())
        .AddTrigger(ScmSignals.ReplenishmentTrigger())
        .UseReferenceData(PageReferenceData())
        .Build(store, _runtime, _store, _time, new SequentialLoopIdGenerator());

    [Fact]
    public async Task IngestAsync_PageExampleOnLoopRuntime_OpensReplen2026_0041WithSignalEvidence()
    {
        await _store.SeedSequenceAsync("default", "REPLEN-2026", 41);
        var engine = CreateEngine(new InMemorySignalStore());

        var signal = (await engine.IngestAsync(PageEvents())).Signals.Single();

        signal.AggregateId.Should().Be("REPLEN-2026-0041");
        var instance = await _runtime.GetInstanceAsync("REPLEN-2026-0041");
        instance!.LoopId.Should().Be("scm.replenishment");
        instance.DefinitionVersion.Should().Be("2.0.0");
        instance.CurrentState.Should().Be("LOW_STOCK_SIGNAL");
        var trace = await _runtime.GetTraceAsync("REPLEN-2026-0041");
        trace[0].Evidence.Root.GetProperty("signalId").GetString().Should().Be(signal.Id);
        Math.Round(trace[0].Evidence.Root.GetProperty("confidence").GetDouble(), 2).Should().Be(0.84);

        var types = new List<string>();
        await foreach (var e in _runtime.ReadEventsAsync())
        {
            types.Add(e.Type);
        }

        types.Should().ContainInOrder(LoopEventTypes.SignalEmitted, LoopEventTypes.Started, LoopEventTypes.SignalReceived);
    }

    [Fact]
    public async Task IngestAsync_RestartWithSameStores_DoesNotOpenSecondLoop()
    {
        var signals = new InMemorySignalStore();
        await CreateEngine(signals).IngestAsync(PageEvents());

        var replay = await CreateEngine(signals).IngestAsync(PageEvents());

        replay.Signals.Single().AggregateId.Should().Be("REPLEN-2026-0001");
        var page = await _runtime.ListInstancesAsync(new InstanceQuery { OrgId = "default", LoopId = "scm.replenishment" });
        page.Items.Should().ContainSingle();
    }

    [Fact]
    public async Task FollowLoopOutcomesAsync_ReplenishmentDismissed_LabelsSignalMiss()
    {
        var signals = new InMemorySignalStore();
        var engine = CreateEngine(signals);
        var signal = (await engine.IngestAsync(PageEvents())).Signals.Single();
        await _runtime.TransitionAsync(new TransitionRequest { AggregateId = signal.AggregateId!, TransitionId = "recommend_replenishment", Actor = Actor.Automation("system:demand-signal") });
        await _runtime.TransitionAsync(new TransitionRequest { AggregateId = signal.AggregateId!, TransitionId = "dismiss", Actor = Actor.Human("drew.kim@lumebonde.co") });
        (await _runtime.GetInstanceAsync(signal.AggregateId!))!.CurrentState.Should().Be("DISMISSED");

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var follower = engine.FollowLoopOutcomesAsync(cts.Token);
        Signal? labelled = null;
        while (!cts.IsCancellationRequested && labelled?.Label is null)
        {
            await Task.Delay(20);
            labelled = await signals.GetSignalAsync(signal.Id);
        }

        await cts.CancelAsync();
        await follower.Invoking(f => f).Should().ThrowAsync<OperationCanceledException>();
        labelled!.Label.Should().Be(SignalLabel.Miss);
    }
}
