using LoopEngine.Conformance.Stores;
using Xunit.Abstractions;

namespace LoopEngine.Tests.Stores;

/// <summary>
/// R3 (model-based) on the in-memory store: 300 random command sequences against the reference model, plus the kept
/// regression sequence (an agent's recommendation superseded by a human's direct execution must not be approvable).
/// </summary>
/// <remarks>
/// Seeded-bug check (TARGETS.md R3, shown once and reverted, commit 286f71b): with the engine changed to let an AI
/// agent execute a recommend-only transition directly instead of storing a recommendation, this suite failed on the
/// first sampled sequences and CsCheck shrank it to a start followed by one agent request.
/// </remarks>
public sealed class InMemoryModelBasedTests(ITestOutputHelper output) : ModelBasedConformanceTests(output)
{
    protected override int Sequences => 300;

    protected override ValueTask<ILoopStore> CreateStoreAsync() => ValueTask.FromResult<ILoopStore>(new InMemoryLoopStore());
}
