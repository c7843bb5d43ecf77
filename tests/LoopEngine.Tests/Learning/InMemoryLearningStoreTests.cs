using LoopEngine.Conformance.Learning;
using LoopEngine.Learning;

namespace LoopEngine.Tests.Learning;

public sealed class InMemoryLearningStoreTests : LearningStoreConformanceTests
{
    protected override ILearningStore CreateStore() => new InMemoryLearningStore();

    // A store in process memory has no database to open twice: the second instance is the first.
    protected override ILearningStore CreateStoreOnSameDatabase(ILearningStore first) => first;
}
