using LoopEngine.Signals;

namespace LoopEngine.Tests.Signals;

public sealed class AggregateIdPatternTests
{
    [Fact]
    public void Format_YearAndPaddedSequence_FormatsId()
    {
        var pattern = AggregateIdPattern.Parse("REPLEN-{yyyy}-{seq:0000}");

        pattern.Format(new DateTimeOffset(2026, 2, 14, 9, 0, 0, TimeSpan.Zero), 41).Should().Be("REPLEN-2026-0041");
        pattern.GetSequenceName(new DateTimeOffset(2026, 2, 14, 9, 0, 0, TimeSpan.Zero)).Should().Be("REPLEN-2026");
    }

    [Fact]
    public async Task NextAsync_SeededStore_TakesDurableSequence()
    {
        var store = new InMemoryLoopStore();
        var pattern = AggregateIdPattern.Parse("PO-{yyyy}-{seq:0000}");
        await store.SeedSequenceAsync("default", "PO-2026", 12);

        var first = await pattern.NextAsync(store, "default", new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var second = await pattern.NextAsync(store, "default", new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

        first.Should().Be("PO-2026-0012");
        second.Should().Be("PO-2026-0013");
    }

    [Theory]
    [InlineData("REPLEN-{yyyy}")]
    [InlineData("X-{seq}-{seq}")]
    [InlineData("X-{week}-{seq}")]
    [InlineData("X-{seq")]
    public void Parse_InvalidPattern_Throws(string pattern)
    {
        var act = () => AggregateIdPattern.Parse(pattern);

        act.Should().Throw<FormatException>();
    }
}
