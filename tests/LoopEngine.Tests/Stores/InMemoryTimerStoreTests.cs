using LoopEngine.Conformance.Stores;

namespace LoopEngine.Tests.Stores;

/// <summary>The in-memory store keeps the timer store contract, including timers applied with commits.</summary>
public sealed class InMemoryTimerStoreTests : TimerStoreConformanceTests
{
    /// <inheritdoc/>
    protected override ITimerStore CreateStore() => new InMemoryLoopStore();
}
