namespace LoopEngine.Tests.Runtime;

/// <summary>
/// <see cref="LoopInstance"/> holds its three times packed (clock ticks and offset minutes, no nullable padding): every
/// value a <see cref="DateTimeOffset"/> can take must read back exactly, offset included, through <c>with</c> too.
/// </summary>
public sealed class LoopInstanceTimesTests
{
    public static TheoryData<DateTimeOffset> Times => new()
    {
        new DateTimeOffset(2026, 2, 14, 9, 14, 10, 123, TimeSpan.Zero),
        new DateTimeOffset(2026, 2, 14, 9, 14, 10, 123, TimeSpan.FromHours(5.5)),
        new DateTimeOffset(2026, 2, 14, 9, 14, 10, TimeSpan.FromHours(-14)),
        new DateTimeOffset(2026, 2, 14, 9, 14, 10, TimeSpan.FromHours(14)),
        DateTimeOffset.MinValue,
        DateTimeOffset.MaxValue,
        new DateTimeOffset(DateTime.MaxValue.Ticks, TimeSpan.Zero).ToOffset(TimeSpan.FromMinutes(-45)),
    };

    [Theory]
    [MemberData(nameof(Times))]
    public void Times_ReadBackExactly_OffsetIncluded(DateTimeOffset time)
    {
        var instance = Instance(time);

        instance.OpenedAt.EqualsExact(time).Should().BeTrue();
        instance.UpdatedAt.EqualsExact(time).Should().BeTrue();
        instance.ClosedAt.Should().BeNull();

        var closed = instance with { ClosedAt = time, UpdatedAt = time.AddTicks(time == DateTimeOffset.MaxValue ? -1 : 1) };
        closed.ClosedAt!.Value.EqualsExact(time).Should().BeTrue();
        closed.OpenedAt.EqualsExact(time).Should().BeTrue();
        closed.UpdatedAt.Should().NotBe(instance.UpdatedAt);
        (closed with { ClosedAt = null }).ClosedAt.Should().BeNull();
    }

    [Fact]
    public void Equality_FollowsTheTimes()
    {
        var at = new DateTimeOffset(2026, 2, 14, 9, 14, 10, 123, TimeSpan.Zero);
        Instance(at).Should().Be(Instance(at));
        Instance(at).GetHashCode().Should().Be(Instance(at).GetHashCode());
        Instance(at).Should().NotBe(Instance(at.AddMilliseconds(1)));
        Instance(at).Should().NotBe(Instance(at) with { ClosedAt = at });
        (Instance(at) with { ClosedAt = at }).Should().Be(Instance(at) with { ClosedAt = at });
    }

    private static LoopInstance Instance(DateTimeOffset time) => new()
    {
        OrgId = "default",
        LoopId = "scm.procurement",
        DefinitionVersion = "2.0.0",
        AggregateId = "PO-1",
        CurrentState = "PENDING",
        Status = LoopStatus.Open,
        Version = 1,
        CorrelationId = "corr_1",
        OpenedAt = time,
        UpdatedAt = time,
        HeadHash = new string('a', 64),
    };
}
