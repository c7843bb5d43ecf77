using LoopEngine.Conformance.Stores;

namespace LoopEngine.Tests.Stores;

/// <summary>The engine-level conformance suite on the in-memory store (with R1 at 32 × 250).</summary>
public sealed class InMemoryEngineOnStoreTests : EngineOnStoreConformanceTests
{
    protected override int RacingRequestsPerWriter => 250;

    protected override ValueTask<ILoopStore> CreateStoreAsync() => ValueTask.FromResult<ILoopStore>(new InMemoryLoopStore());
}
