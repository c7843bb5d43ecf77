using LoopEngine.Conformance.Signals;
using LoopEngine.Signals;

namespace LoopEngine.Tests.Signals;

public sealed class InMemorySignalStoreTests : SignalStoreConformanceTests
{
    protected override ISignalStore CreateStore() => new InMemorySignalStore();

    // A store in process memory has no database to open twice: the second instance is the first.
    protected override ISignalStore CreateStoreOnSameDatabase(ISignalStore first) => first;
}
