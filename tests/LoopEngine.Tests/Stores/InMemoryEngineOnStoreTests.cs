using LoopEngine.Conformance.Stores;
using Xunit.Abstractions;

namespace LoopEngine.Tests.Stores;

/// <summary>The engine-level conformance suite on the in-memory store.</summary>
public sealed class InMemoryEngineOnStoreTests(ITestOutputHelper output) : EngineOnStoreConformanceTests(output)
{
    protected override ValueTask<ILoopStore> CreateStoreAsync() => ValueTask.FromResult<ILoopStore>(new InMemoryLoopStore());
}
