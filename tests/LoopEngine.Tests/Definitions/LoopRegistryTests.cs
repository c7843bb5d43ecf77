using LoopEngine.Tests.TestSupport;

namespace LoopEngine.Tests.Definitions;

public sealed class LoopRegistryTests
{
    [Fact]
    public void Versions_MixedVersions_AreOrderedNumerically()
    {
        var registry = new LoopRegistry()
            .Add(TestDefinitions.Minimal(version: "1.10.0").Build())
            .Add(TestDefinitions.Minimal(version: "2.0.0").Build())
            .Add(TestDefinitions.Minimal(version: "1.9.0").Build());

        registry.Versions("test.minimal").Should().Equal("1.9.0", "1.10.0", "2.0.0");
        registry.Get("test.minimal").Version.Should().Be("2.0.0");
        registry.Get("test.minimal", "1.10.0").Version.Should().Be("1.10.0");
    }

    [Fact]
    public void Add_SameDefinitionTwice_IsNoOp()
    {
        var registry = new LoopRegistry().Add(TestDefinitions.Minimal().Build());

        registry.Add(TestDefinitions.Minimal().Build());

        registry.All.Should().ContainSingle();
    }

    [Fact]
    public void Add_DifferentDefinitionSameVersion_ThrowsConflict()
    {
        var registry = new LoopRegistry().Add(TestDefinitions.Minimal().Build());
        var changed = TestDefinitions.Minimal().WithDescription("changed").Build();

        var act = () => registry.Add(changed);

        act.Should().Throw<LoopVersionConflictException>().Which.Key.Should().Be("test.minimal@1.0.0");
        registry.Get("test.minimal").Description.Should().Be("A minimal loop");
    }

    [Fact]
    public void Get_UnknownLoop_ListsKnownLoopIds()
    {
        var registry = new LoopRegistry().Add(TestDefinitions.Minimal().Build()).Add(TestDefinitions.Minimal("test.other").Build());

        var act = () => registry.Get("test.missing");

        act.Should().Throw<UnknownLoopException>().WithMessage("Loop 'test.missing' is not registered. Registered loops are: test.minimal, test.other.")
            .Which.Should().BeAssignableTo<ArgumentException>();
    }

    [Fact]
    public void Get_UnknownVersion_ListsKnownVersions()
    {
        var registry = new LoopRegistry().Add(TestDefinitions.Minimal(version: "1.0.0").Build()).Add(TestDefinitions.Minimal(version: "1.2.0").Build());

        var act = () => registry.Get("test.minimal", "3.0.0");

        act.Should().Throw<UnknownLoopException>().WithMessage("*'3.0.0'*test.minimal*1.0.0, 1.2.0*").Which.Version.Should().Be("3.0.0");
    }

    [Fact]
    public void TryGet_KnownAndUnknown_ReturnsAccordingly()
    {
        var registry = new LoopRegistry().Add(TestDefinitions.Minimal().Build());

        registry.TryGet("test.minimal", null, out var latest).Should().BeTrue();
        latest!.Version.Should().Be("1.0.0");
        registry.TryGet("test.minimal", "9.9.9", out _).Should().BeFalse();
        registry.TryGet("nope.nope", null, out _).Should().BeFalse();
    }

    [Fact]
    public void Remove_LastVersion_RemovesLoopId()
    {
        var registry = new LoopRegistry().Add(TestDefinitions.Minimal(version: "1.0.0").Build()).Add(TestDefinitions.Minimal(version: "1.1.0").Build());

        registry.Remove("test.minimal", "1.1.0").Should().BeTrue();
        registry.Get("test.minimal").Version.Should().Be("1.0.0");
        registry.Remove("test.minimal", "1.1.0").Should().BeFalse();
        registry.Remove("test.minimal", "1.0.0").Should().BeTrue();
        registry.LoopIds.Should().BeEmpty();
    }

    [Fact]
    public async Task Add_ConcurrentAddsAndReads_LoseNothing()
    {
        var registry = new LoopRegistry();
        var definitions = Enumerable.Range(0, 200).Select(i => TestDefinitions.Minimal($"test.loop{i % 10}", $"1.{i / 10}.0").Build()).ToList();

        await Task.WhenAll(definitions.Select(d => Task.Run(() =>
        {
            registry.Add(d);
            registry.Get(d.Id).Should().NotBeNull();
            _ = registry.All.Count;
        })));

        registry.All.Should().HaveCount(200);
        registry.LoopIds.Should().HaveCount(10);
        registry.Versions("test.loop3").Should().HaveCount(20).And.EndWith("1.19.0");
    }

    [Theory]
    [InlineData("2.0.0", "1.10.0", 1)]
    [InlineData("1.10.0", "1.9.0", 1)]
    [InlineData("1.9.0", "1.9.0", 0)]
    [InlineData("0.0.9", "0.1.0", -1)]
    [InlineData("10.0.0", "9.99.99", 1)]
    public void CompareVersions_Pairs_CompareNumerically(string left, string right, int sign)
    {
        Math.Sign(LoopRegistry.CompareVersions(left, right)).Should().Be(sign);
        Math.Sign(LoopRegistry.CompareVersions(right, left)).Should().Be(-sign);
    }
}
