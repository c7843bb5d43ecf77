using LoopEngine.Conformance;

namespace LoopEngine.Tests.Stores;

public sealed class InMemoryLoopStoreTests : LoopStoreConformanceTests
{
    protected override ValueTask<ILoopStore> CreateStoreAsync() => ValueTask.FromResult<ILoopStore>(new InMemoryLoopStore());
}
