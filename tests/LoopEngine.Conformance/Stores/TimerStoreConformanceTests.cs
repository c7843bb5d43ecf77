namespace LoopEngine.Conformance.Stores;

/// <summary>
/// The contract every <see cref="ITimerStore"/> keeps; a store's test class inherits it and supplies the store. A store that
/// is also an <see cref="ILoopStore"/> must apply <see cref="StoreCommit.Timers"/> atomically with the commit (the last tests).
/// </summary>
public abstract class TimerStoreConformanceTests
{
    private static readonly DateTimeOffset T0 = new(2026, 2, 14, 9, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);

    /// <summary>Creates an empty store.</summary>
    /// <returns>The store.</returns>
    protected abstract ITimerStore CreateStore();

    private static LoopTimer Timer(string aggregate, DateTimeOffset dueAt, string kind = TimerKinds.Sla, string key = "RECEIPT_SCHEDULED@3", string org = "org-a") => new()
    {
        OrgId = org, AggregateId = aggregate, LoopId = "scm.procurement", Kind = kind, Key = key, DueAt = dueAt, InstanceVersion = 3, State = "RECEIPT_SCHEDULED",
    };

    [StoreFact]
    public async Task ClaimDueAsync_OnlyDueTimers_ClaimedEarliestFirstWithLease()
    {
        var store = CreateStore();
        await store.ScheduleAsync(Timer("PO-2", T0.AddMinutes(2)));
        await store.ScheduleAsync(Timer("PO-1", T0.AddMinutes(1)));
        await store.ScheduleAsync(Timer("PO-3", T0.AddHours(1)));

        var claimed = await store.ClaimDueAsync(T0.AddMinutes(5), 10, "sweeper-a", Lease);

        claimed.Select(t => t.AggregateId).Should().Equal("PO-1", "PO-2");
        claimed.Should().OnlyContain(t => t.LeaseOwner == "sweeper-a" && t.LeaseExpiresAt == T0.AddMinutes(5) + Lease && t.Attempts == 1);
        claimed[0].Should().BeEquivalentTo(Timer("PO-1", T0.AddMinutes(1)), o => o.Excluding(t => t.LeaseOwner).Excluding(t => t.LeaseExpiresAt).Excluding(t => t.Attempts));
    }

    [StoreFact]
    public async Task ClaimDueAsync_LeasedTimer_NotClaimedAgainUntilLeaseEnds()
    {
        var store = CreateStore();
        await store.ScheduleAsync(Timer("PO-1", T0));
        (await store.ClaimDueAsync(T0, 10, "sweeper-a", Lease)).Should().HaveCount(1);

        (await store.ClaimDueAsync(T0.AddMinutes(4), 10, "sweeper-b", Lease)).Should().BeEmpty();
        var retaken = await store.ClaimDueAsync(T0 + Lease, 10, "sweeper-b", Lease);

        retaken.Should().ContainSingle().Which.Should().Match<LoopTimer>(t => t.LeaseOwner == "sweeper-b" && t.Attempts == 2);
    }

    [StoreFact]
    public async Task ClaimDueAsync_MaxCount_ClaimsAtMostThatMany()
    {
        var store = CreateStore();
        for (var i = 0; i < 5; i++)
        {
            await store.ScheduleAsync(Timer($"PO-{i}", T0.AddSeconds(i)));
        }

        (await store.ClaimDueAsync(T0.AddMinutes(1), 2, "a", Lease)).Select(t => t.AggregateId).Should().Equal("PO-0", "PO-1");
        (await store.ClaimDueAsync(T0.AddMinutes(1), 10, "b", Lease)).Select(t => t.AggregateId).Should().Equal("PO-2", "PO-3", "PO-4");
    }

    [StoreFact]
    public async Task ClaimDueAsync_ConcurrentClaimers_EachTimerClaimedExactlyOnce()
    {
        var store = CreateStore();
        for (var i = 0; i < 200; i++)
        {
            await store.ScheduleAsync(Timer($"PO-{i:000}", T0.AddMilliseconds(i)));
        }

        var claims = await Task.WhenAll(Enumerable.Range(0, 8).Select(n => Task.Run(async () =>
        {
            var mine = new List<LoopTimer>();
            while (true)
            {
                var batch = await store.ClaimDueAsync(T0.AddMinutes(1), 7, $"sweeper-{n}", Lease);
                if (batch.Count == 0)
                {
                    return mine;
                }

                mine.AddRange(batch);
            }
        })));

        var all = claims.SelectMany(c => c).Select(t => t.AggregateId).ToList();
        all.Should().HaveCount(200).And.OnlyHaveUniqueItems();
    }

    [StoreFact]
    public async Task CompleteAsync_ByLeaseOwner_DeletesTimer()
    {
        var store = CreateStore();
        await store.ScheduleAsync(Timer("PO-1", T0));
        var claimed = (await store.ClaimDueAsync(T0, 10, "sweeper-a", Lease))[0];

        (await store.CompleteAsync(claimed, "sweeper-a")).Should().BeTrue();

        (await store.ListAsync("org-a", "PO-1")).Should().BeEmpty();
        (await store.ClaimDueAsync(T0.AddDays(1), 10, "sweeper-a", Lease)).Should().BeEmpty();
    }

    [StoreFact]
    public async Task CompleteAsync_LeaseTakenOverByAnother_ReturnsFalseAndKeepsTimer()
    {
        var store = CreateStore();
        await store.ScheduleAsync(Timer("PO-1", T0));
        var first = (await store.ClaimDueAsync(T0, 10, "sweeper-a", Lease))[0];
        _ = await store.ClaimDueAsync(T0 + Lease, 10, "sweeper-b", Lease);

        (await store.CompleteAsync(first, "sweeper-a")).Should().BeFalse();

        (await store.ListAsync("org-a", "PO-1")).Should().ContainSingle().Which.LeaseOwner.Should().Be("sweeper-b");
    }

    [StoreFact]
    public async Task ScheduleAsync_SameIdentity_ReplacesAndClearsLease()
    {
        var store = CreateStore();
        await store.ScheduleAsync(Timer("PO-1", T0));
        _ = await store.ClaimDueAsync(T0, 10, "sweeper-a", Lease);

        await store.ScheduleAsync(Timer("PO-1", T0.AddHours(2)));

        var listed = await store.ListAsync("org-a", "PO-1");
        listed.Should().ContainSingle().Which.Should().Match<LoopTimer>(t => t.DueAt == T0.AddHours(2) && t.LeaseOwner == null && t.Attempts == 0);
    }

    [StoreFact]
    public async Task CancelAsync_ByKind_DeletesOnlyThatKindOfThatAggregateInThatOrg()
    {
        var store = CreateStore();
        await store.ScheduleAsync(Timer("PO-1", T0));
        await store.ScheduleAsync(Timer("PO-1", T0, TimerKinds.RecommendationExpiry, "rec-1"));
        await store.ScheduleAsync(Timer("PO-2", T0));
        await store.ScheduleAsync(Timer("PO-1", T0, org: "org-b"));

        (await store.CancelAsync("org-a", "PO-1", TimerKinds.Sla)).Should().Be(1);

        (await store.ListAsync("org-a", "PO-1")).Select(t => t.Kind).Should().Equal(TimerKinds.RecommendationExpiry);
        (await store.ListAsync("org-a", "PO-2")).Should().HaveCount(1);
        (await store.ListAsync("org-b", "PO-1")).Should().HaveCount(1);
        (await store.CancelAsync("org-a", "PO-1")).Should().Be(1);
        (await store.ListAsync("org-a", "PO-1")).Should().BeEmpty();
    }

    [StoreFact]
    public async Task CommitAsync_WithTimers_AppliedWithTheCommitInOrder()
    {
        var store = CreateStore();
        if (store is not ILoopStore loops)
        {
            return;
        }

        await store.ScheduleAsync(Timer("PO-1", T0, key: "OPEN@1"));
        var result = await loops.CommitAsync(new StoreCommit
        {
            OrgId = "org-a",
            Instances = [new InstanceWrite(Instance("PO-1", 1), 0)],
            Timers = [TimerChange.Cancel("PO-1", TimerKinds.Sla), TimerChange.Schedule(Timer("PO-1", T0.AddDays(5)))],
        });

        result.IsCommitted.Should().BeTrue();
        (await store.ListAsync("org-a", "PO-1")).Should().ContainSingle().Which.Key.Should().Be("RECEIPT_SCHEDULED@3");
    }

    [StoreFact]
    public async Task CommitAsync_ConflictWithTimers_AppliesNoTimerChange()
    {
        var store = CreateStore();
        if (store is not ILoopStore loops)
        {
            return;
        }

        (await loops.CommitAsync(new StoreCommit { OrgId = "org-a", Instances = [new InstanceWrite(Instance("PO-1", 1), 0)] })).IsCommitted.Should().BeTrue();
        await store.ScheduleAsync(Timer("PO-1", T0, key: "OPEN@1"));

        var result = await loops.CommitAsync(new StoreCommit
        {
            OrgId = "org-a",
            Instances = [new InstanceWrite(Instance("PO-1", 1), 0)],
            Timers = [TimerChange.Cancel("PO-1"), TimerChange.Schedule(Timer("PO-1", T0.AddDays(5)))],
        });

        result.IsCommitted.Should().BeFalse();
        (await store.ListAsync("org-a", "PO-1")).Should().ContainSingle().Which.Key.Should().Be("OPEN@1");
    }

    private static LoopInstance Instance(string aggregate, long version) => new()
    {
        OrgId = "org-a", LoopId = "scm.procurement", DefinitionVersion = "2.0.0", AggregateId = aggregate, CurrentState = "OPEN",
        Status = LoopStatus.Open, Version = version, CorrelationId = "corr", OpenedAt = T0, UpdatedAt = T0, HeadHash = new string('0', 64),
    };
}
