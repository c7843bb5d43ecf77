using LoopEngine;
using LoopEngine.Tests.TestSupport;
using Microsoft.Extensions.Options;

namespace LoopEngine.Tests.Events;

public sealed class LoopEventDispatcherTests
{
    [Fact]
    public async Task ExecuteAsync_FlakyAndBrokenHandlers_RetriesParksAndNeverStopsOthers()
    {
        var f = new EngineFixture();
        await f.StartProcurementAsync("PO-1");
        await f.StartProcurementAsync("PO-2");
        var healthy = new RecordingHandler("healthy", failuresBeforeSuccess: 0);
        var flaky = new RecordingHandler("flaky", failuresBeforeSuccess: 2);
        var broken = new RecordingHandler("broken", failuresBeforeSuccess: int.MaxValue);
        var dispatcher = new LoopEventDispatcher(f.Store, [healthy, flaky, broken], Options.Create(new LoopEventDispatcherOptions { MaxAttempts = 3, InitialRetryDelay = TimeSpan.FromMilliseconds(1), PollInterval = TimeSpan.FromMilliseconds(20) }));

        await dispatcher.StartAsync(CancellationToken.None);
        await WaitUntilAsync(() => healthy.Handled.Count == 2 && flaky.Handled.Count == 2 && dispatcher.Parked.Count == 2);
        await f.StartProcurementAsync("PO-3");
        await WaitUntilAsync(() => healthy.Handled.Count == 3);
        await dispatcher.StopAsync(CancellationToken.None);

        healthy.Handled.Select(e => e.Position).Should().Equal(1, 2, 3);
        flaky.Attempts.Should().BeGreaterThanOrEqualTo(4, "each of the first events failed twice before succeeding");
        dispatcher.Parked.Should().OnlyContain(p => p.HandlerName == "broken");
        (await f.Store.GetCheckpointAsync("handler:healthy")).Should().Be(3);
        (await f.Store.GetCheckpointAsync("handler:broken")).Should().BeGreaterThanOrEqualTo(2, "a parked event is passed over, not retried forever");
    }

    [Fact]
    public async Task ExecuteAsync_RestartedDispatcher_ResumesFromDurableCheckpoint()
    {
        var f = new EngineFixture();
        await f.StartProcurementAsync("PO-1");
        await f.Store.SetCheckpointAsync("handler:resume", 1);
        await f.StartProcurementAsync("PO-2");
        var handler = new RecordingHandler("resume", 0);
        var dispatcher = new LoopEventDispatcher(f.Store, [handler], Options.Create(new LoopEventDispatcherOptions { PollInterval = TimeSpan.FromMilliseconds(20) }));

        await dispatcher.StartAsync(CancellationToken.None);
        await WaitUntilAsync(() => handler.Handled.Count == 1);
        await dispatcher.StopAsync(CancellationToken.None);

        handler.Handled.Should().ContainSingle().Which.AggregateId.Should().Be("PO-2");
    }

    [Fact]
    public void Constructor_DuplicateHandlerNames_ThrowsNamingTheName()
    {
        var act = () => new LoopEventDispatcher(new InMemoryLoopStore(), [new RecordingHandler("same", 0), new RecordingHandler("same", 0)]);

        act.Should().Throw<ArgumentException>().WithMessage("*'same'*unique*");
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            DateTime.UtcNow.Should().BeBefore(deadline, "the dispatcher should have caught up");
            await Task.Delay(10);
        }
    }

    private sealed class RecordingHandler(string name, int failuresBeforeSuccess) : ILoopEventHandler
    {
        private readonly Dictionary<long, int> _failures = [];

        public string Name { get; } = name;

        public List<LoopEvent> Handled { get; } = [];

        public int Attempts { get; private set; }

        public ValueTask HandleAsync(LoopEvent loopEvent, CancellationToken cancellationToken)
        {
            Attempts++;
            _failures.TryGetValue(loopEvent.Position, out var failed);
            if (failed < failuresBeforeSuccess)
            {
                _failures[loopEvent.Position] = failed + 1;
                throw new InvalidOperationException($"{Name} failed on {loopEvent.Position}");
            }

            lock (Handled)
            {
                Handled.Add(loopEvent);
            }

            return ValueTask.CompletedTask;
        }
    }
}
