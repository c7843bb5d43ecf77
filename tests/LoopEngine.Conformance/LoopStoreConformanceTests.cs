using System.Collections.Concurrent;
using FluentAssertions.Equivalency;
using static LoopEngine.Conformance.StoreTestData;

namespace LoopEngine.Conformance;

/// <summary>
/// The behaviour every <see cref="ILoopStore"/> must have. A store's test project derives from this class and supplies a
/// fresh, empty store per test.
/// </summary>
public abstract class LoopStoreConformanceTests
{
    private const string Org = "org-a";

    /// <summary>Creates a fresh, empty store.</summary>
    protected abstract ValueTask<ILoopStore> CreateStoreAsync();

    /// <summary>Opens a second store on the database of the last store created (another connection or process view); by default the same store.</summary>
    protected virtual ValueTask<ILoopStore> CreateSecondStoreOnSameDatabaseAsync(ILoopStore first) => ValueTask.FromResult(first);

    /// <summary>Gets the commits each of the 32 racing writers makes.</summary>
    protected virtual int RacingCommitsPerWriter => 50;

    private static EquivalencyAssertionOptions<T> Exact<T>(EquivalencyAssertionOptions<T> o) =>
        o.ComparingRecordsByMembers().ComparingByValue<Evidence>().ComparingByValue<Actor>()
            .Using<DateTimeOffset>(c => c.Subject.UtcTicks.Should().Be(c.Expectation.UtcTicks)).WhenTypeIs<DateTimeOffset>();

    private static void ShouldMatch(IReadOnlyList<TransitionRecord> actual, IReadOnlyList<TransitionRecord> expected)
    {
        actual.Should().HaveCount(expected.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            TraceCanonicalizer.ToCanonicalJson(actual[i]).Should().Be(TraceCanonicalizer.ToCanonicalJson(expected[i]));
            actual[i].Hash.Should().Be(expected[i].Hash);
            actual[i].OccurredAt.Offset.Should().Be(TimeSpan.Zero);
        }
    }

    private static void ShouldMatch(LoopInstance? actual, LoopInstance expected) =>
        actual.Should().BeEquivalentTo(expected, o => Exact(o).Excluding(i => i.PendingRecommendations));

    private static async Task<List<LoopEvent>> ReadAllEventsAsync(ILoopStore store)
    {
        var all = new List<LoopEvent>();
        while (true)
        {
            var batch = await store.ReadEventsAsync(all.Count == 0 ? 0 : all[^1].Position, 100);
            if (batch.Count == 0)
            {
                return all;
            }

            all.AddRange(batch);
        }
    }

    [StoreFact]
    public async Task CommitAsync_CreateWithHostileText_ReadsBackEveryFieldExactly()
    {
        var store = await CreateStoreAsync();
        var aggregate = HostileText + "-🚚";
        var actor = Actor.AiAgent("agent '; -- 🤖 \"x\"", "gpt-ünï", "prov;--", 0.1 + 0.2);
        var evidence = Evidence.Parse("{\"z\":\"'; DROP TABLE trace; --\",\"a\":[1,2.5,-0.0,1e21],\"emoji\":\"💥\\u0000\",\"q\":\"\\\"quoted\\\"\"}");
        var record1 = Record(HostileText, aggregate, 1, TransitionRecord.GenesisHash, null, "DRAFT", T0, actor: actor, evidence: evidence,
            correlationId: "corr;'--", causationId: "cause 💡", warnings: [new GuardWarning("budget_ok", "over by 5% — \"ok\"; --")]);
        var instance1 = InstanceAfter(record1, T0, LoopStatus.Open, parentLoopId: "scm.parent", parentAggregateId: "parent '💥'");
        var record2 = Record(HostileText, aggregate, 2, record1.Hash, "DRAFT", "APPROVED", T0.AddSeconds(1), actor: Actor.Human("approver 'x'"),
            correlationId: "corr;'--", recommendationId: "rec;--'1", recommender: actor, recommendationEvidence: evidence);
        var instance2 = instance1 with { CurrentState = "APPROVED", Status = LoopStatus.Closed, Version = 2, UpdatedAt = record2.OccurredAt, ClosedAt = record2.OccurredAt, HeadHash = record2.Hash };
        var evt = Event(HostileText, aggregate);

        (await store.CommitAsync(new StoreCommit { OrgId = HostileText, Instances = [new InstanceWrite(instance1, 0)], Records = [record1], Events = [evt] })).IsCommitted.Should().BeTrue();
        (await store.CommitAsync(new StoreCommit { OrgId = HostileText, Instances = [new InstanceWrite(instance2, 1)], Records = [record2] })).IsCommitted.Should().BeTrue();

        var reader = await CreateSecondStoreOnSameDatabaseAsync(store);
        ShouldMatch(await reader.GetInstanceAsync(HostileText, aggregate), instance2);
        var trace = await reader.ReadTraceAsync(HostileText, aggregate);
        ShouldMatch(trace, [record1, record2]);
        trace[0].Evidence.Json.Should().Be(evidence.Json);
        trace[0].Actor.Confidence.Should().Be(0.1 + 0.2);
        var events = await ReadAllEventsAsync(reader);
        events.Should().ContainSingle().Which.Should().BeEquivalentTo(evt with { Position = events[0].Position }, o => Exact(o));
        TraceVerifier.Verify(trace, instance2.Head).IsValid.Should().BeTrue();
    }

    [StoreFact]
    public async Task ReadTraceAsync_LongChain_VerifiesAgainstHeadAndPagesByRange()
    {
        var store = await CreateStoreAsync();
        var (commit, instance, record) = Start(Org, "PO-1");
        (await store.CommitAsync(commit)).IsCommitted.Should().BeTrue();
        for (var i = 0; i < 20; i++)
        {
            var warnings = new[] { new GuardWarning("g" + i, "m" + i) };
            (commit, instance, record) = Next(instance, record, "S" + i, evidence: Evidence.Parse("{\"i\":" + i + ",\"w\":\"" + warnings[0].Message + "\"}"));
            (await store.CommitAsync(commit)).IsCommitted.Should().BeTrue();
        }

        var trace = await store.ReadTraceAsync(Org, "PO-1");
        trace.Select(r => r.Sequence).Should().Equal(Enumerable.Range(1, 21).Select(i => (long)i));
        var stored = await store.GetInstanceAsync(Org, "PO-1");
        var result = TraceVerifier.Verify(trace, stored!.Head);
        result.IsValid.Should().BeTrue(result.Message);
        (await store.ReadTraceAsync(Org, "PO-1", 5, 3)).Select(r => r.Sequence).Should().Equal(5L, 6L, 7L);
        (await store.ReadTraceAsync(Org, "PO-1", 20)).Select(r => r.Sequence).Should().Equal(20L, 21L);
        (await store.ReadTraceAsync(Org, "missing")).Should().BeEmpty();
        (await store.GetInstanceAsync(Org, "missing")).Should().BeNull();
    }

    [StoreFact]
    public async Task CommitAsync_PendingRecommendationCount_IsStoredAndReadBack()
    {
        var store = await CreateStoreAsync();
        var (commit, instance, record) = Start(Org, "PO-P");
        instance = instance with { PendingRecommendationCount = 3 };
        (await store.CommitAsync(commit with { Instances = [new InstanceWrite(instance, 0)] })).IsCommitted.Should().BeTrue();
        (await store.GetInstanceAsync(Org, "PO-P"))!.PendingRecommendationCount.Should().Be(3);

        var (next, instance2, _) = Next(instance, record, "B");
        instance2 = instance2 with { PendingRecommendationCount = 1 };
        (await store.CommitAsync(next with { Instances = [new InstanceWrite(instance2, 1)] })).IsCommitted.Should().BeTrue();

        ShouldMatch(await store.GetInstanceAsync(Org, "PO-P"), instance2);
        var page = await store.QueryInstancesAsync(new InstanceQuery { OrgId = Org });
        page.Items.Should().ContainSingle().Which.PendingRecommendationCount.Should().Be(1);
    }

    /// <summary>
    /// A recommendation changes the pending count without a new version. A write that read the older count passes the
    /// version check, so it must name the count it read: the store refuses it as a version conflict (at the unchanged
    /// version) and writes nothing; a write that names the stored count, or none, goes through.
    /// </summary>
    [StoreFact]
    public async Task CommitAsync_ExpectedPendingRecommendationCountDiffers_ReturnsConflictAndWritesNothing()
    {
        var store = await CreateStoreAsync();
        var (commit, instance, record) = Start(Org, "PO-PC");
        (await store.CommitAsync(commit)).IsCommitted.Should().BeTrue();
        var recommended = instance with { PendingRecommendationCount = 1 };
        (await store.CommitAsync(new StoreCommit { OrgId = Org, Instances = [new InstanceWrite(recommended, 1) { ExpectedPendingRecommendationCount = 0 }], Recommendations = [Recommendation(Org, "r-pc", "PO-PC", T0)] }))
            .IsCommitted.Should().BeTrue();
        var eventsBefore = await ReadAllEventsAsync(store);

        // Read before the recommendation: version 1, count 0.
        var (stale, _, _) = Next(instance, record, "B");
        stale = stale with { Instances = [stale.Instances[0] with { ExpectedPendingRecommendationCount = 0 }] };
        var result = await store.CommitAsync(stale);

        result.Outcome.Should().Be(CommitOutcome.VersionConflict);
        result.ConflictAggregateId.Should().Be("PO-PC");
        result.ActualVersion.Should().Be(1);
        ShouldMatch(await store.GetInstanceAsync(Org, "PO-PC"), recommended);
        ShouldMatch(await store.ReadTraceAsync(Org, "PO-PC"), [record]);
        (await ReadAllEventsAsync(store)).Should().HaveCount(eventsBefore.Count);

        var (current, next, _) = Next(recommended, record, "B");
        (await store.CommitAsync(current with { Instances = [current.Instances[0] with { ExpectedPendingRecommendationCount = 1 }] })).IsCommitted.Should().BeTrue();
        ShouldMatch(await store.GetInstanceAsync(Org, "PO-PC"), next);

        // A write that names no count checks the version only.
        var (versionOnly, last, _) = Next(next with { PendingRecommendationCount = 0 }, (await store.ReadTraceAsync(Org, "PO-PC"))[^1], "C");
        (await store.CommitAsync(versionOnly)).IsCommitted.Should().BeTrue();
        ShouldMatch(await store.GetInstanceAsync(Org, "PO-PC"), last);
    }

    [StoreFact]
    public async Task CommitAsync_InstanceWriteWithARecordAtAStoredSequence_ReturnsConflictAndWritesNothing()
    {
        // The instance write passes its version check, but the record repeats a stored sequence: nothing is written.
        var store = await CreateStoreAsync();
        var (commit, instance, record) = Start(Org, "PO-DUP");
        (await store.CommitAsync(commit)).IsCommitted.Should().BeTrue();
        var eventsBefore = await ReadAllEventsAsync(store);
        var (next, _, _) = Next(instance, record, "B");
        var duplicate = next with { Records = [next.Records[0] with { Sequence = 1 }] };

        var result = await store.CommitAsync(duplicate);

        result.Outcome.Should().Be(CommitOutcome.VersionConflict);
        result.ConflictAggregateId.Should().Be("PO-DUP");
        ShouldMatch(await store.GetInstanceAsync(Org, "PO-DUP"), instance);
        ShouldMatch(await store.ReadTraceAsync(Org, "PO-DUP"), [record]);
        (await ReadAllEventsAsync(store)).Should().HaveCount(eventsBefore.Count);
    }

    [StoreFact]
    public async Task CommitAsync_MalformedCommit_ThrowsArgumentExceptionNamingTheFieldAndWritesNothing()
    {
        var store = await CreateStoreAsync();
        var (commit, instance, record) = Start(Org, "PO-BAD-IN");
        var malformed = new (StoreCommit Commit, string Names)[]
        {
            (commit with { OrgId = null! }, "OrgId is null"),
            (commit with { OrgId = string.Empty }, "OrgId is empty"),
            (commit with { Events = null! }, "Events is null"),
            (commit with { Events = [commit.Events[0], null!] }, "Events[1] is null"),
            (commit with { Instances = [null!] }, "Instances[0] is null"),
            (commit with { Instances = [new InstanceWrite(null!, 0)] }, "Instances[0] has no instance"),
            (commit with { Instances = [new InstanceWrite(instance with { AggregateId = null! }, 0)] }, "Instances[0] has no aggregate id"),
            (commit with { Instances = [new InstanceWrite(instance, -1)] }, "Instances[0] expects version -1"),
            (commit with { Records = [record with { AggregateId = string.Empty }] }, "Records[0] has no aggregate id"),
            (commit with { Records = [record with { Sequence = 0 }] }, "Records[0] has sequence 0"),
            (commit with { Recommendations = [null!] }, "Recommendations[0] is null"),
            (commit with { Timers = null! }, "Timers is null"),
        };

        foreach (var (bad, names) in malformed)
        {
            var thrown = await FluentActions.Awaiting(async () => await store.CommitAsync(bad)).Should().ThrowAsync<ArgumentException>(names);
            thrown.Which.Message.Should().Contain(names);
        }

        (await store.GetInstanceAsync(Org, "PO-BAD-IN")).Should().BeNull();
        (await ReadAllEventsAsync(store)).Should().BeEmpty();
        (await store.CommitAsync(commit)).IsCommitted.Should().BeTrue("the well-formed commit still goes through");
    }

    [StoreFact]
    public async Task CommitAsync_StaleExpectedVersion_ReturnsConflictAndWritesNothing()
    {
        var store = await CreateStoreAsync();
        var (commit, instance, record) = Start(Org, "PO-1");
        await store.CommitAsync(commit);
        var (second, instance2, record2) = Next(instance, record, "B");
        (await store.CommitAsync(second)).IsCommitted.Should().BeTrue();
        var eventsBefore = await ReadAllEventsAsync(store);

        var (stale, _, _) = Next(instance, record, "C", idempotency: new IdempotencyEntry { OrgId = Org, AggregateId = "PO-1", Key = "k", RequestHash = "h", CreatedAt = T0 });
        stale = stale with { Recommendations = [Recommendation(Org, "r1", "PO-1", T0)] };
        var result = await store.CommitAsync(stale);

        result.Outcome.Should().Be(CommitOutcome.VersionConflict);
        result.ConflictAggregateId.Should().Be("PO-1");
        result.ActualVersion.Should().Be(2);
        result.EventPositions.Should().BeEmpty();
        ShouldMatch(await store.GetInstanceAsync(Org, "PO-1"), instance2);
        ShouldMatch(await store.ReadTraceAsync(Org, "PO-1"), [record, record2]);
        (await ReadAllEventsAsync(store)).Should().HaveCount(eventsBefore.Count);
        (await store.GetRecommendationAsync(Org, "r1")).Should().BeNull();
        (await store.GetIdempotencyEntryAsync(Org, "PO-1", "k")).Should().BeNull();
    }

    [StoreFact]
    public async Task CommitAsync_ExpectedVersionAheadOfStored_ReturnsConflict()
    {
        var store = await CreateStoreAsync();
        var (commit, instance, record) = Start(Org, "PO-1");
        await store.CommitAsync(commit);
        var (next, _, _) = Next(instance with { Version = 5 }, record);

        var result = await store.CommitAsync(next);

        result.Outcome.Should().Be(CommitOutcome.VersionConflict);
        result.ActualVersion.Should().Be(1);
        (await store.ReadTraceAsync(Org, "PO-1")).Should().HaveCount(1);
    }

    [StoreFact]
    public async Task CommitAsync_CreateOfExistingAggregate_ReturnsAlreadyExistsAndWritesNothing()
    {
        var store = await CreateStoreAsync();
        var (commit, instance, record) = Start(Org, "PO-1");
        await store.CommitAsync(commit);
        var (again, _, _) = Start(Org, "PO-1", state: "OTHER");

        var result = await store.CommitAsync(again);

        result.Outcome.Should().Be(CommitOutcome.AlreadyExists);
        result.ActualVersion.Should().Be(1);
        ShouldMatch(await store.GetInstanceAsync(Org, "PO-1"), instance);
        ShouldMatch(await store.ReadTraceAsync(Org, "PO-1"), [record]);
        (await ReadAllEventsAsync(store)).Should().HaveCount(1);
    }

    [StoreFact]
    public async Task CommitAsync_ThirtyTwoRacingCreates_ExactlyOneSucceeds()
    {
        var store = await CreateStoreAsync();
        var results = await Task.WhenAll(Enumerable.Range(0, 32).Select(i => Task.Run(async () =>
            await store.CommitAsync(Start(Org, "PO-RACE", state: "S" + i).Commit))));

        results.Count(r => r.IsCommitted).Should().Be(1);
        results.Count(r => r.Outcome == CommitOutcome.AlreadyExists).Should().Be(31);
        (await store.ReadTraceAsync(Org, "PO-RACE")).Should().HaveCount(1);
        (await ReadAllEventsAsync(store)).Should().HaveCount(1);
    }

    [StoreFact]
    public async Task CommitAsync_ThirtyTwoRacingAppenders_LoseDuplicateAndSkipNothing()
    {
        var store = await CreateStoreAsync();
        await store.CommitAsync(Start(Org, "PO-HOT").Commit);
        var perWriter = RacingCommitsPerWriter;
        var attempts = 0;
        var conflicts = 0;
        var committedIds = new ConcurrentBag<string>();

        await Task.WhenAll(Enumerable.Range(0, 32).Select(w => Task.Run(async () =>
        {
            for (var done = 0; done < perWriter;)
            {
                var head = (await ReadHeadAsync(store, Org, "PO-HOT"))!.Value;
                var id = $"w{w}-c{done}";
                var (commit, _, _) = Next(head.Instance, head.Last, "S", evidence: Evidence.Parse("{\"id\":\"" + id + "\"}"));
                Interlocked.Increment(ref attempts);
                var result = await store.CommitAsync(commit);
                if (result.IsCommitted)
                {
                    committedIds.Add(id);
                    done++;
                }
                else
                {
                    result.Outcome.Should().Be(CommitOutcome.VersionConflict);
                    Interlocked.Increment(ref conflicts);
                }
            }
        })));

        var trace = await store.ReadTraceAsync(Org, "PO-HOT");
        var instance = await store.GetInstanceAsync(Org, "PO-HOT");
        var ids = trace.Skip(1).Select(r => r.Evidence.Root.GetProperty("id").GetString()!).ToList();
        ids.Should().OnlyHaveUniqueItems("no commit is duplicated");
        ids.Should().BeEquivalentTo(committedIds, "no acknowledged commit is lost");
        trace.Should().HaveCount(32 * perWriter + 1);
        instance!.Version.Should().Be(32 * perWriter + 1);
        (attempts - conflicts).Should().Be(32 * perWriter);
        TraceVerifier.Verify(trace, instance.Head).IsValid.Should().BeTrue("the trace is gapless and chained");
        (await ReadAllEventsAsync(store)).Should().HaveCount(32 * perWriter + 1);
    }

    [StoreFact]
    public async Task CommitAsync_SecondInstanceWriteConflicts_WritesNothingAtAll()
    {
        var store = await CreateStoreAsync();
        var (c1, i1, r1) = Start(Org, "PO-1");
        var (c2, i2, r2) = Start(Org, "PO-2");
        await store.CommitAsync(c1);
        await store.CommitAsync(c2);
        var (n1, _, nr1) = Next(i1, r1, "MOVED");
        var (n2, _, nr2) = Next(i2 with { Version = 7 }, r2, "MOVED");
        var combined = new StoreCommit
        {
            OrgId = Org,
            Instances = [.. n1.Instances, .. n2.Instances],
            Records = [nr1, nr2 with { Sequence = 2 }],
            Events = [.. n1.Events, .. n2.Events],
            Recommendations = [Recommendation(Org, "rec-1", "PO-1", T0)],
            Idempotency = new IdempotencyEntry { OrgId = Org, AggregateId = "PO-1", Key = "key-1", RequestHash = "abc", Sequence = 2, CreatedAt = T0 },
        };

        var result = await store.CommitAsync(combined);

        result.Outcome.Should().Be(CommitOutcome.VersionConflict);
        result.ConflictAggregateId.Should().Be("PO-2");
        ShouldMatch(await store.GetInstanceAsync(Org, "PO-1"), i1);
        ShouldMatch(await store.GetInstanceAsync(Org, "PO-2"), i2);
        (await store.ReadTraceAsync(Org, "PO-1")).Should().HaveCount(1);
        (await store.ReadTraceAsync(Org, "PO-2")).Should().HaveCount(1);
        (await ReadAllEventsAsync(store)).Should().HaveCount(2);
        (await store.GetRecommendationAsync(Org, "rec-1")).Should().BeNull();
        (await store.GetIdempotencyEntryAsync(Org, "PO-1", "key-1")).Should().BeNull();
    }

    [StoreFact]
    public async Task CommitAsync_TwoInstancesInOneCommit_WritesBothWithEventsInOrder()
    {
        var store = await CreateStoreAsync();
        var (c1, i1, r1) = Start(Org, "PARENT");
        var (c2, i2, r2) = Start(Org, "CHILD", parentAggregateId: "PARENT");
        var combined = new StoreCommit { OrgId = Org, Instances = [.. c1.Instances, .. c2.Instances], Records = [r1, r2], Events = [.. c1.Events, .. c2.Events] };

        var result = await store.CommitAsync(combined);

        result.IsCommitted.Should().BeTrue();
        result.EventPositions.Should().HaveCount(2).And.BeInAscendingOrder();
        result.EventPositions[1].Should().BeGreaterThan(result.EventPositions[0]);
        ShouldMatch(await store.GetInstanceAsync(Org, "CHILD"), i2);
        var events = await ReadAllEventsAsync(store);
        events.Select(e => e.AggregateId).Should().Equal("PARENT", "CHILD");
        events.Select(e => e.Position).Should().Equal(result.EventPositions);
    }

    [StoreFact]
    public async Task CommitAsync_IdempotencyEntry_IsStoredAndReadBack()
    {
        var store = await CreateStoreAsync();
        var (c1, i1, r1) = Start(Org, "PO-1");
        await store.CommitAsync(c1);
        var entry = new IdempotencyEntry { OrgId = Org, AggregateId = "PO-1", Key = "key '; -- 💥", RequestHash = new string('a', 64), Sequence = 2, RecommendationId = "rec-9", CreatedAt = T0.AddMinutes(3) };
        var (n, _, _) = Next(i1, r1, idempotency: entry);

        (await store.CommitAsync(n)).IsCommitted.Should().BeTrue();

        (await store.GetIdempotencyEntryAsync(Org, "PO-1", entry.Key)).Should().BeEquivalentTo(entry, o => Exact(o));
        (await store.GetIdempotencyEntryAsync(Org, "PO-1", "other")).Should().BeNull();
        (await store.GetIdempotencyEntryAsync("org-b", "PO-1", entry.Key)).Should().BeNull();
    }

    [StoreFact]
    public async Task CommitAsync_DuplicateIdempotencyKey_ReturnsKeyExistsAndWritesNothing()
    {
        var store = await CreateStoreAsync();
        var (c1, i1, r1) = Start(Org, "PO-1");
        await store.CommitAsync(c1);
        var entry = new IdempotencyEntry { OrgId = Org, AggregateId = "PO-1", Key = "k1", RequestHash = "h1", Sequence = 2, CreatedAt = T0 };
        var (n, i2, r2) = Next(i1, r1, idempotency: entry);
        await store.CommitAsync(n);
        var (again, _, _) = Next(i2, r2, idempotency: entry with { RequestHash = "h2", Sequence = 3 });

        var result = await store.CommitAsync(again);

        result.Outcome.Should().Be(CommitOutcome.IdempotencyKeyExists);
        result.ConflictAggregateId.Should().Be("PO-1");
        (await store.GetInstanceAsync(Org, "PO-1"))!.Version.Should().Be(2);
        (await store.ReadTraceAsync(Org, "PO-1")).Should().HaveCount(2);
        (await ReadAllEventsAsync(store)).Should().HaveCount(2);
        (await store.GetIdempotencyEntryAsync(Org, "PO-1", "k1"))!.RequestHash.Should().Be("h1");
    }

    [StoreFact]
    public async Task CommitAsync_Recommendations_AreUpsertedAndReadBackExactly()
    {
        var store = await CreateStoreAsync();
        var (c1, i1, r1) = Start(Org, "PO-1");
        var pending = Recommendation(Org, "rec '💡';--", "PO-1", T0);
        (await store.CommitAsync(c1 with { Recommendations = [pending] })).IsCommitted.Should().BeTrue();
        (await store.GetRecommendationAsync(Org, pending.Id)).Should().BeEquivalentTo(pending, o => Exact(o));

        var approved = Recommendation(Org, pending.Id, "PO-1", T0, RecommendationStatus.Approved);
        var (n, _, _) = Next(i1, r1);
        (await store.CommitAsync(n with { Recommendations = [approved] })).IsCommitted.Should().BeTrue();

        (await store.GetRecommendationAsync(Org, pending.Id)).Should().BeEquivalentTo(approved, o => Exact(o));
        (await store.GetRecommendationAsync("org-b", pending.Id)).Should().BeNull();
        (await store.GetRecommendationAsync(Org, "missing")).Should().BeNull();
    }

    [StoreFact]
    public async Task QueryRecommendationsAsync_FiltersAndPages_ReturnEachMatchOnceInOrder()
    {
        var store = await CreateStoreAsync();
        var (c1, _, _) = Start(Org, "PO-1");
        var recs = Enumerable.Range(0, 45).Select(i => Recommendation(Org, $"rec-{i:D3}", i % 3 == 0 ? "PO-1" : "PO-2", T0.AddSeconds(i / 2),
            (RecommendationStatus)(i % 4), i % 2 == 0 ? "approve_po" : "cancel_po", i % 5 == 0 ? "agent-5" : "agent-1", i % 7 == 0 ? "scm.other" : "scm.procurement")).ToList();
        await store.CommitAsync(c1 with { Recommendations = recs });
        await store.CommitAsync(Start("org-b", "PO-1").Commit with { Recommendations = [Recommendation("org-b", "rec-b", "PO-1", T0)] });

        async Task<List<Recommendation>> All(RecommendationQuery q)
        {
            var items = new List<Recommendation>();
            string? token = null;
            do
            {
                var page = await store.QueryRecommendationsAsync(q with { ContinuationToken = token, PageSize = 4 });
                page.Items.Count.Should().BeLessThanOrEqualTo(4);
                items.AddRange(page.Items);
                token = page.ContinuationToken;
            }
            while (token is not null);
            return items;
        }

        var expectedOrder = recs.OrderBy(r => r.CreatedAt).ThenBy(r => r.Id, StringComparer.Ordinal).ToList();
        (await All(new RecommendationQuery { OrgId = Org })).Select(r => r.Id).Should().Equal(expectedOrder.Select(r => r.Id));
        (await All(new RecommendationQuery { OrgId = Org, AggregateId = "PO-1" })).Select(r => r.Id).Should().Equal(expectedOrder.Where(r => r.AggregateId == "PO-1").Select(r => r.Id));
        (await All(new RecommendationQuery { OrgId = Org, LoopId = "scm.other" })).Select(r => r.Id).Should().Equal(expectedOrder.Where(r => r.LoopId == "scm.other").Select(r => r.Id));
        (await All(new RecommendationQuery { OrgId = Org, TransitionId = "cancel_po" })).Select(r => r.Id).Should().Equal(expectedOrder.Where(r => r.TransitionId == "cancel_po").Select(r => r.Id));
        (await All(new RecommendationQuery { OrgId = Org, RecommenderId = "agent-5" })).Select(r => r.Id).Should().Equal(expectedOrder.Where(r => r.Recommender.Id == "agent-5").Select(r => r.Id));
        (await All(new RecommendationQuery { OrgId = Org, Statuses = [RecommendationStatus.Pending, RecommendationStatus.Expired] })).Select(r => r.Id)
            .Should().Equal(expectedOrder.Where(r => r.Status is RecommendationStatus.Pending or RecommendationStatus.Expired).Select(r => r.Id));
        (await All(new RecommendationQuery { OrgId = Org, CreatedBefore = T0.AddSeconds(5) })).Select(r => r.Id).Should().Equal(expectedOrder.Where(r => r.CreatedAt < T0.AddSeconds(5)).Select(r => r.Id));
        (await All(new RecommendationQuery { OrgId = "org-b" })).Select(r => r.Id).Should().Equal("rec-b");
        (await All(new RecommendationQuery { OrgId = "org-c" })).Should().BeEmpty();
    }

    [StoreFact]
    public async Task QueryInstancesAsync_Filters_MatchTheReferenceFilter()
    {
        var store = await CreateStoreAsync();
        var expected = new List<LoopInstance>();
        for (var i = 0; i < 40; i++)
        {
            var status = (LoopStatus)(i % 5);
            var closed = status is LoopStatus.Closed or LoopStatus.Cancelled or LoopStatus.Error ? T0.AddHours(i) : (DateTimeOffset?)null;
            var (c, inst, _) = Start(Org, $"PO-{i:D2}", T0.AddMinutes(i % 13), i % 4 == 0 ? "scm.other" : "scm.procurement", i % 3 == 0 ? "DRAFT" : "SENT",
                status, closed, i % 6 == 0 ? "PARENT-1" : null, i % 8 == 0 ? "corr-x" : null);
            (await store.CommitAsync(c)).IsCommitted.Should().BeTrue();
            expected.Add(inst);
        }

        await store.CommitAsync(Start("org-b", "PO-00").Commit);
        var queries = new[]
        {
            new InstanceQuery { OrgId = Org },
            new InstanceQuery { OrgId = Org, LoopId = "scm.other" },
            new InstanceQuery { OrgId = Org, DefinitionVersion = "1.0.0" },
            new InstanceQuery { OrgId = Org, DefinitionVersion = "2.0.0" },
            new InstanceQuery { OrgId = Org, Statuses = [LoopStatus.Open, LoopStatus.Closed] },
            new InstanceQuery { OrgId = Org, Statuses = [] },
            new InstanceQuery { OrgId = Org, State = "SENT" },
            new InstanceQuery { OrgId = Org, CorrelationId = "corr-x" },
            new InstanceQuery { OrgId = Org, ParentAggregateId = "PARENT-1" },
            new InstanceQuery { OrgId = Org, OpenedFrom = T0.AddMinutes(3), OpenedTo = T0.AddMinutes(7) },
            new InstanceQuery { OrgId = Org, ClosedFrom = T0.AddHours(10), ClosedTo = T0.AddHours(30) },
            new InstanceQuery { OrgId = Org, LoopId = "scm.procurement", State = "DRAFT", Statuses = [LoopStatus.Open, LoopStatus.InProgress, LoopStatus.Error], OpenedFrom = T0.AddMinutes(1) },
            new InstanceQuery { OrgId = "org-c" },
        };

        foreach (var query in queries)
        {
            var reference = expected.Where(i => i.OrgId == query.OrgId && InMemoryLoopStore.Matches(i, query)).OrderBy(i => i.OpenedAt).ThenBy(i => i.AggregateId, StringComparer.Ordinal).Select(i => i.AggregateId);
            var page = await store.QueryInstancesAsync(query with { PageSize = 1000 });
            page.Items.Select(i => i.AggregateId).Should().Equal(reference, "query {0}", query);
            page.ContinuationToken.Should().BeNull();
        }

        var one = await store.QueryInstancesAsync(new InstanceQuery { OrgId = Org, CorrelationId = "corr-x", PageSize = 1 });
        ShouldMatch(one.Items.Single(), expected.Single(i => i.AggregateId == "PO-00"));
    }

    [StoreFact]
    public async Task QueryInstancesAsync_KeysetPagingOver250Instances_ReturnsEachOnceInOrder()
    {
        var store = await CreateStoreAsync();
        var ids = new List<(DateTimeOffset At, string Id)>();
        for (var i = 0; i < 250; i++)
        {
            var at = T0.AddMilliseconds(i % 17);
            var id = $"PO-{(i * 7919) % 1000:D4}-{i}";
            ids.Add((at, id));
            (await store.CommitAsync(Start(Org, id, at).Commit)).IsCommitted.Should().BeTrue();
        }

        var seen = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await store.QueryInstancesAsync(new InstanceQuery { OrgId = Org, PageSize = 33, ContinuationToken = token });
            seen.AddRange(page.Items.Select(i => i.AggregateId));
            token = page.ContinuationToken;
            pages++;
        }
        while (token is not null);

        pages.Should().Be(8);
        seen.Should().Equal(ids.OrderBy(x => x.At).ThenBy(x => x.Id, StringComparer.Ordinal).Select(x => x.Id));
    }

    [StoreFact]
    public async Task QueryAsync_InvalidPageSizeOrToken_Throws()
    {
        var store = await CreateStoreAsync();

        await FluentActions.Awaiting(async () => await store.QueryInstancesAsync(new InstanceQuery { OrgId = Org, PageSize = 0 })).Should().ThrowAsync<ArgumentOutOfRangeException>();
        await FluentActions.Awaiting(async () => await store.QueryInstancesAsync(new InstanceQuery { OrgId = Org, ContinuationToken = "not a token" })).Should().ThrowAsync<ArgumentException>();
        await FluentActions.Awaiting(async () => await store.QueryRecommendationsAsync(new RecommendationQuery { OrgId = Org, PageSize = 1001 })).Should().ThrowAsync<ArgumentOutOfRangeException>();
    }

    [StoreFact]
    public async Task Stores_SameAggregateInTwoOrgs_AreIndependent()
    {
        var store = await CreateStoreAsync();
        var (a, ia, ra) = Start("org-a", "PO-1", state: "A");
        var (b, ib, rb) = Start("org-b", "PO-1", state: "B");
        (await store.CommitAsync(a)).IsCommitted.Should().BeTrue();
        (await store.CommitAsync(b)).IsCommitted.Should().BeTrue();
        var (na, ia2, ra2) = Next(ia, ra, "A2", idempotency: new IdempotencyEntry { OrgId = "org-a", AggregateId = "PO-1", Key = "k", RequestHash = "h", CreatedAt = T0 });
        (await store.CommitAsync(na)).IsCommitted.Should().BeTrue();

        ShouldMatch(await store.GetInstanceAsync("org-a", "PO-1"), ia2);
        ShouldMatch(await store.GetInstanceAsync("org-b", "PO-1"), ib);
        ShouldMatch(await store.ReadTraceAsync("org-b", "PO-1"), [rb]);
        ShouldMatch(await store.ReadTraceAsync("org-a", "PO-1"), [ra, ra2]);
        (await store.GetIdempotencyEntryAsync("org-b", "PO-1", "k")).Should().BeNull();
        (await store.QueryInstancesAsync(new InstanceQuery { OrgId = "org-b" })).Items.Select(i => i.CurrentState).Should().Equal("B");
        (await store.QueryInstancesAsync(new InstanceQuery { OrgId = "org-a", State = "B" })).Items.Should().BeEmpty();
        (await store.GetInstanceAsync("org-c", "PO-1")).Should().BeNull();
    }

    [StoreFact]
    public async Task ReadEventsAsync_AfterPosition_CatchesUpInStrictlyIncreasingOrder()
    {
        var store = await CreateStoreAsync();
        var expected = new List<LoopEvent>();
        var positions = new List<long>();
        for (var i = 0; i < 30; i++)
        {
            var (c, _, _) = Start(i % 2 == 0 ? "org-a" : "org-b", $"PO-{i}");
            var extra = Event(c.OrgId, $"PO-{i}", "loop.extra");
            c = c with { Events = [.. c.Events, extra] };
            var result = await store.CommitAsync(c);
            result.EventPositions.Should().HaveCount(2);
            positions.AddRange(result.EventPositions);
            expected.AddRange(c.Events);
        }

        positions.Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
        var all = await ReadAllEventsAsync(store);
        all.Select(e => e.Position).Should().Equal(positions);
        all.Select(e => e.EventId).Should().Equal(expected.Select(e => e.EventId));
        all[5].Should().BeEquivalentTo(expected[5] with { Position = positions[5] }, o => Exact(o));

        var tail = await store.ReadEventsAsync(positions[10], 7);
        tail.Select(e => e.Position).Should().Equal(positions.Skip(11).Take(7));
        (await store.ReadEventsAsync(positions[^1], 10)).Should().BeEmpty();
        await FluentActions.Awaiting(async () => await store.ReadEventsAsync(0, 0)).Should().ThrowAsync<ArgumentOutOfRangeException>();
    }

    [StoreFact]
    public async Task WaitForEventsAsync_CommitWhileWaiting_ReturnsPromptly()
    {
        var store = await CreateStoreAsync();
        var first = await store.CommitAsync(Start(Org, "PO-0").Commit);
        var after = first.EventPositions[^1];
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var noEvents = store.WaitForEventsAsync(after, TimeSpan.FromMilliseconds(300)).AsTask();
        await noEvents;
        watch.Elapsed.Should().BeGreaterThan(TimeSpan.FromMilliseconds(250), "no event arrived, so the wait runs to its timeout");

        var waiter = store.WaitForEventsAsync(after, TimeSpan.FromSeconds(30)).AsTask();
        await Task.Delay(50);
        watch.Restart();
        await store.CommitAsync(Start(Org, "PO-1").Commit);
        await waiter.WaitAsync(TimeSpan.FromSeconds(5));
        watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(5));
        (await store.ReadEventsAsync(after, 10)).Should().ContainSingle();

        watch.Restart();
        await store.WaitForEventsAsync(0, TimeSpan.FromSeconds(30));
        watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(5), "events are already there");
    }

    [StoreFact]
    public async Task Checkpoints_SetAndOverwrite_AreReadBackDurably()
    {
        var store = await CreateStoreAsync();
        (await store.GetCheckpointAsync("projector '💥'")).Should().BeNull();
        await store.SetCheckpointAsync("projector '💥'", 17);
        await store.SetCheckpointAsync("other", 3);
        await store.SetCheckpointAsync("projector '💥'", 42);

        var second = await CreateSecondStoreOnSameDatabaseAsync(store);
        (await second.GetCheckpointAsync("projector '💥'")).Should().Be(42);
        (await second.GetCheckpointAsync("other")).Should().Be(3);
        (await second.GetCheckpointAsync("projector")).Should().BeNull();
    }

    [StoreFact]
    public async Task NextSequenceValueAsync_ThirtyTwoParallelCallers_NeverRepeats()
    {
        var store = await CreateStoreAsync();
        var values = await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => Task.Run(async () =>
        {
            var taken = new List<long>();
            for (var i = 0; i < 10; i++)
            {
                taken.Add(await store.NextSequenceValueAsync(Org, "po"));
            }

            return taken;
        })));

        values.SelectMany(v => v).Should().OnlyHaveUniqueItems().And.BeEquivalentTo(Enumerable.Range(1, 320).Select(i => (long)i));
        (await store.NextSequenceValueAsync("org-b", "po")).Should().Be(1, "sequences are per org");
        (await store.NextSequenceValueAsync(Org, "other")).Should().Be(1);
    }

    [StoreFact]
    public async Task SeedSequenceAsync_Seeded_NextReturnsSeedAndNeverGoesBack()
    {
        var store = await CreateStoreAsync();
        await store.SeedSequenceAsync(Org, "po", 41);
        (await store.NextSequenceValueAsync(Org, "po")).Should().Be(41);
        (await store.NextSequenceValueAsync(Org, "po")).Should().Be(42);
        await store.SeedSequenceAsync(Org, "po", 10);
        (await store.NextSequenceValueAsync(Org, "po")).Should().Be(43);

        var second = await CreateSecondStoreOnSameDatabaseAsync(store);
        (await second.NextSequenceValueAsync(Org, "po")).Should().Be(44);
    }

    [StoreFact]
    public async Task CommitAsync_WriterOnSecondConnection_SeesAndConflictsWithFirst()
    {
        var store = await CreateStoreAsync();
        var second = await CreateSecondStoreOnSameDatabaseAsync(store);
        var (c, i, r) = Start(Org, "PO-1");
        await store.CommitAsync(c);
        (await second.CommitAsync(Start(Org, "PO-1").Commit)).Outcome.Should().Be(CommitOutcome.AlreadyExists);
        var (n, i2, _) = Next(i, r, "FROM-SECOND");
        (await second.CommitAsync(n)).IsCommitted.Should().BeTrue();
        (await store.CommitAsync(Next(i, r, "STALE").Commit)).Outcome.Should().Be(CommitOutcome.VersionConflict);
        ShouldMatch(await store.GetInstanceAsync(Org, "PO-1"), i2);
        (await ReadAllEventsAsync(store)).Should().HaveCount(2);
    }
}
