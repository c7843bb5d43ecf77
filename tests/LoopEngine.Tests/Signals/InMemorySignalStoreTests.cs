using LoopEngine.Conformance.Signals;
using LoopEngine.Signals;

namespace LoopEngine.Tests.Signals;

public sealed class InMemorySignalStoreTests : SignalStoreConformanceTests
{
    protected override ISignalStore CreateStore() => new InMemorySignalStore();
}
