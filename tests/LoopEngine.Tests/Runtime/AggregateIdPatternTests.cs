namespace LoopEngine.Tests.Runtime;

/// <summary>Aggregate id patterns: formatting, year-scoped durable sequences, and typed rejections.</summary>
public sealed class AggregateIdPatternTests
{
    private static readonly DateTimeOffset At = new(2026, 2, 14, 9, 14, 10, TimeSpan.Zero);

    [Fact]
    public void Format_PoPattern_PadsSequenceAndTakesYear()
    {
        var pattern = AggregateIdPattern.Parse("PO-{yyyy}-{seq:0000}");

        pattern.Format(At, 12).Should().Be("PO-2026-0012");
        pattern.GetSequenceName(At).Should().Be("PO-2026");
        pattern.GetSequenceName(At.AddYears(1)).Should().Be("PO-2027");
    }

    [Fact]
    public async Task NextAsync_SeededSequence_CountsOnPerYear()
    {
        var store = new InMemoryLoopStore();
        var pattern = AggregateIdPattern.Parse("PO-{yyyy}-{seq:0000}");
        await store.SeedSequenceAsync("default", "PO-2026", 12);

        (await pattern.NextAsync(store, "default", At)).Should().Be("PO-2026-0012");
        (await pattern.NextAsync(store, "default", At)).Should().Be("PO-2026-0013");
        (await pattern.NextAsync(store, "default", At.AddYears(1))).Should().Be("PO-2027-0001");
    }

    [Theory]
    [InlineData("PO-{yyyy}")]
    [InlineData("PO-{seq}-{seq}")]
    [InlineData("PO-{week}-{seq}")]
    [InlineData("PO-{seq")]
    [InlineData("PO-{seq:x4}")]
    public void Parse_InvalidPattern_ThrowsFormatException(string text)
    {
        var act = () => AggregateIdPattern.Parse(text);

        act.Should().Throw<FormatException>().WithMessage($"*'{text}'*");
    }

    [Fact]
    public void Constructor_InvalidSpawnPatternInOptions_Throws()
    {
        var options = new LoopEngineOptions();
        options.SpawnAggregateIdPatterns["scm.procurement"] = "PO-{yyyy}";

        var act = () => new LoopRuntime(new InMemoryLoopStore(), new LoopRegistry(), options);

        act.Should().Throw<ArgumentException>().WithMessage("*scm.procurement*{seq}*");
    }
}
