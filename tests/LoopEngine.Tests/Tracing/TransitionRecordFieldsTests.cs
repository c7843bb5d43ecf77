namespace LoopEngine.Tests.Tracing;

/// <summary>
/// <see cref="TransitionRecord"/> holds its rarely set fields (causation, warnings, an approved recommendation) together,
/// only when one is set, and its time packed: every field must read back as set, through <c>with</c> too, and records
/// with the same fields must be equal however they were built.
/// </summary>
public sealed class TransitionRecordFieldsTests
{
    private static readonly DateTimeOffset At = new(2026, 2, 14, 9, 14, 10, 123, TimeSpan.Zero);

    [Fact]
    public void RarelySetFields_ReadBackAsSet_AndEmptyAgainEqualsNeverSet()
    {
        var plain = Record();
        plain.CausationId.Should().BeNull();
        plain.Warnings.Should().BeSameAs(Array.Empty<GuardWarning>());
        plain.RecommendationId.Should().BeNull();
        plain.Recommender.Should().BeNull();
        plain.RecommendationEvidence.Should().BeNull();

        var warnings = new[] { new GuardWarning("credit_check", "soft limit") };
        var agent = Actor.AiAgent("agent:planner", "model-x", "provider-y", 0.82);
        var evidence = Evidence.Parse("""{"forecast":120}""");
        var full = plain with { CausationId = "cause-1", Warnings = warnings, RecommendationId = "rec_1", Recommender = agent, RecommendationEvidence = evidence };
        full.CausationId.Should().Be("cause-1");
        full.Warnings.Should().BeSameAs(warnings);
        full.RecommendationId.Should().Be("rec_1");
        full.Recommender.Should().BeSameAs(agent);
        full.RecommendationEvidence.Should().BeSameAs(evidence);
        plain.CausationId.Should().BeNull("a with-expression never changes the record it copies");

        // One field changed at a time, the others kept.
        (full with { CausationId = null }).Should().Be(plain with { Warnings = warnings, RecommendationId = "rec_1", Recommender = agent, RecommendationEvidence = evidence });
        (full with { RecommendationId = "rec_2" }).RecommendationId.Should().Be("rec_2");
        (full with { RecommendationId = "rec_2" }).CausationId.Should().Be("cause-1");

        // Set and emptied again: equal to (and hashed like) a record that never had them.
        var emptied = full with { CausationId = null, Warnings = Array.Empty<GuardWarning>(), RecommendationId = null, Recommender = null, RecommendationEvidence = null };
        emptied.Should().Be(plain);
        emptied.GetHashCode().Should().Be(plain.GetHashCode());
        full.Should().NotBe(plain);
        full.Should().Be(plain with { CausationId = "cause-1", Warnings = warnings, RecommendationId = "rec_1", Recommender = agent, RecommendationEvidence = evidence });
    }

    [Fact]
    public void Warnings_AnotherEmptyList_IsKeptAsGiven()
    {
        var list = new List<GuardWarning>();
        var record = Record() with { Warnings = list };
        record.Warnings.Should().BeSameAs(list);
        record.Should().NotBe(Record(), "warnings compare as the lists they are, as before");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(330)]
    [InlineData(-840)]
    [InlineData(840)]
    public void OccurredAt_ReadsBackExactly(int offsetMinutes)
    {
        var at = At.ToOffset(TimeSpan.FromMinutes(offsetMinutes));
        var record = Record() with { OccurredAt = at };
        record.OccurredAt.EqualsExact(at).Should().BeTrue();
        (Record() with { OccurredAt = DateTimeOffset.MaxValue }).OccurredAt.Should().Be(DateTimeOffset.MaxValue);
        (Record() with { OccurredAt = DateTimeOffset.MinValue }).OccurredAt.Should().Be(DateTimeOffset.MinValue);
    }

    [Fact]
    public void Hash_CoversTheRarelySetFields()
    {
        var plain = Record();
        var hashes = new[]
        {
            plain,
            plain with { CausationId = "cause-1" },
            plain with { Warnings = [new GuardWarning("credit_check", "soft limit")] },
            plain with { RecommendationId = "rec_1", Recommender = Actor.AiAgent("agent:planner", "model-x", "provider-y", 0.82), RecommendationEvidence = Evidence.Parse("""{"forecast":120}""") },
        }.Select(TraceCanonicalizer.ComputeHash).ToList();
        hashes.Should().OnlyHaveUniqueItems();
    }

    private static TransitionRecord Record() => new()
    {
        OrgId = "default",
        LoopId = "scm.procurement",
        DefinitionVersion = "2.0.0",
        AggregateId = "PO-1",
        Sequence = 2,
        TransitionId = "confirm_po",
        FromState = "PENDING",
        ToState = "CONFIRMED",
        Actor = Actor.Human("drew.kim@lumebonde.co"),
        OccurredAt = At,
        Evidence = Evidence.Empty,
        CorrelationId = "corr_1",
        PreviousHash = new string('a', 64),
        Hash = new string('b', 64),
    };
}
