using LoopEngine.Conformance.Learning;
using LoopEngine.Learning;

namespace LoopEngine.Tests.Learning;

public sealed class InMemoryLearningStoreTests : LearningStoreConformanceTests
{
    protected override ILearningStore CreateStore() => new InMemoryLearningStore();
}
