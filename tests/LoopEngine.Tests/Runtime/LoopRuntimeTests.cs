using LoopEngine;
using LoopEngine.Tests.TestSupport;

namespace LoopEngine.Tests.Runtime;

public sealed class LoopRuntimeTests
{
    [Fact]
    public async Task TransitionAsync_PagesProcurementTraceWithFakeClock_YieldsActorsStatesAndElapsedTimes()
    {
        var f = new EngineFixture();
        await f.StartProcurementAsync();
        f.Time.SetUtcNow(DateTimeOffset.Parse("2026-02-14T09:14:22Z"));
        (await f.RequestAsync("PO-2026-0012", "confirm_po", TestLoops.Drew, """{"approved":true,"method":"3-way-match"}""")).IsExecuted.Should().BeTrue();
        f.Time.SetUtcNow(DateTimeOffset.Parse("2026-02-14T09:18:45Z"));
        (await f.RequestAsync("PO-2026-0012", "schedule_receipt", TestLoops.Replenishment, """{"warehouse":"DC-East","eta":"2026-02-17"}""")).IsExecuted.Should().BeTrue();
        f.Time.SetUtcNow(DateTimeOffset.Parse("2026-02-17T09:18:45Z"));
        (await f.RequestAsync("PO-2026-0012", "receive", TestLoops.Warehouse)).IsExecuted.Should().BeTrue();
        f.Time.SetUtcNow(DateTimeOffset.Parse("2026-02-17T09:20:45Z"));
        var closed = await f.RequestAsync("PO-2026-0012", "close", TestLoops.Fulfillment);

        closed.Instance.Status.Should().Be(LoopStatus.Closed);
        var trace = await f.Engine.GetTraceAsync("PO-2026-0012");
        var steps = trace.Skip(1).Select((r, i) => (r.FromState, r.ToState, Elapsed: r.OccurredAt - trace[i].OccurredAt, r.Actor.Id)).ToList();
        steps.Should().Equal(
            ("OPEN", "PO_CONFIRMED", TimeSpan.FromSeconds(12), "drew.kim@lumebonde.co"),
            ("PO_CONFIRMED", "RECEIPT_SCHEDULED", TimeSpan.FromMinutes(4) + TimeSpan.FromSeconds(23), "system:replenishment"),
            ("RECEIPT_SCHEDULED", "RECEIVED", TimeSpan.FromDays(3), "warehouse:dc-east"),
            ("RECEIVED", "CLOSED", TimeSpan.FromMinutes(2), "system:fulfillment"));
        trace.Select(r => r.CorrelationId).Should().AllBe("corr_abc123");
        (await f.Engine.VerifyTraceAsync("PO-2026-0012")).IsValid.Should().BeTrue();
    }

    [Fact]
    public async Task StartAsync_NewAggregate_WritesStartRecordAndStartedEvent()
    {
        var f = new EngineFixture();
        var instance = await f.StartProcurementAsync();

        instance.Status.Should().Be(LoopStatus.Open);
        instance.Version.Should().Be(1);
        var trace = await f.Engine.GetTraceAsync("PO-2026-0012");
        trace.Should().ContainSingle().Which.TransitionId.Should().Be(ReservedTransitions.Start);
        trace[0].PreviousHash.Should().Be(TransitionRecord.GenesisHash);
        (await f.EventsAsync()).Select(e => e.Type).Should().Equal(LoopEventTypes.Started);
    }

    [Fact]
    public async Task StartAsync_SameAggregateTwice_ThrowsLoopAlreadyExistsAndWritesNothing()
    {
        var f = new EngineFixture();
        await f.StartProcurementAsync();

        var act = async () => await f.StartProcurementAsync();

        await act.Should().ThrowAsync<LoopAlreadyExistsException>().WithMessage("*PO-2026-0012*never reused*");
        (await f.Engine.GetTraceAsync("PO-2026-0012")).Should().HaveCount(1);
        (await f.EventsAsync()).Should().HaveCount(1);
    }

    [Fact]
    public async Task StartAsync_RacingStarts_ExactlyOneSucceeds()
    {
        var f = new EngineFixture();
        var attempts = Enumerable.Range(0, 32).Select(_ => Task.Run(async () =>
        {
            try
            {
                await f.StartProcurementAsync("PO-RACE");
                return true;
            }
            catch (LoopAlreadyExistsException)
            {
                return false;
            }
        }));

        var results = await Task.WhenAll(attempts);

        results.Count(r => r).Should().Be(1);
        (await f.Engine.GetTraceAsync("PO-RACE")).Should().HaveCount(1);
    }

    [Fact]
    public async Task StartAsync_UnknownLoop_ThrowsListingRegisteredLoops()
    {
        var f = new EngineFixture();

        var act = async () => await f.Engine.StartAsync(new StartLoopRequest { LoopId = "scm.procurment", AggregateId = "A-1", Actor = TestLoops.Drew });

        await act.Should().ThrowAsync<UnknownLoopException>().WithMessage("*scm.procurment*scm.procurement*test.counter*");
    }

    [Fact]
    public async Task TransitionAsync_NotDefinedFromCurrentState_BlockedInvalidTransitionWithAlternatives()
    {
        var f = new EngineFixture();
        await f.StartProcurementAsync();

        var result = await f.RequestAsync("PO-2026-0012", "recieve", TestLoops.Drew);

        result.Outcome.Should().Be(TransitionOutcome.Blocked);
        result.BlockReason.Should().Be(BlockReason.InvalidTransition);
        result.Message.Should().Contain("'recieve'").And.Contain("From state OPEN the permitted transitions are: confirm_po, cancel");
        (await f.Engine.GetTraceAsync("PO-2026-0012")).Should().HaveCount(1, "a blocked request changes no trace");
        (await f.EventsAsync()).Select(e => e.Type).Should().Equal(LoopEventTypes.Started, LoopEventTypes.TransitionRequested, LoopEventTypes.Blocked);
    }

    [Fact]
    public async Task TransitionAsync_ActorTypeNotAllowedNorRecommender_BlockedUnauthorizedBeforeGuards()
    {
        var guardRan = false;
        var f = new EngineFixture(guards: new Dictionary<string, ILoopGuard> { ["probe"] = BuiltInGuards.From(_ => { guardRan = true; return GuardResult.Pass; }) }, definitions:
            LoopDefinition.Create("test.guarded").AddState("A").AddState("B", s => s.Terminal())
                .AddTransition("go", "A", "B", t => t.AllowActors(ActorType.Human).AddGuard("probe", "probe", "probe failed"))
                .WithOutcome("done", "done", "done").Build());
        await f.Engine.StartAsync(new StartLoopRequest { LoopId = "test.guarded", AggregateId = "G-1", Actor = TestLoops.Drew });

        var result = await f.RequestAsync("G-1", "go", Actor.Webhook("hook:erp"));

        result.BlockReason.Should().Be(BlockReason.UnauthorizedActor);
        result.Message.Should().Contain("webhook").And.Contain("allowed actor types are human");
        guardRan.Should().BeFalse();
    }

    [Fact]
    public async Task TransitionAsync_MissingRequiredEvidence_BlockedGuardFailedWithEvents()
    {
        var f = new EngineFixture();
        await f.StartProcurementAsync();

        var result = await f.RequestAsync("PO-2026-0012", "confirm_po", TestLoops.Drew, """{"method":"3-way-match"}""");

        result.BlockReason.Should().Be(BlockReason.GuardFailed);
        result.GuardFailures.Should().ContainSingle().Which.Message.Should().Contain("approved");
        (await f.EventsAsync()).Select(e => e.Type).Should().Equal(
            LoopEventTypes.Started, LoopEventTypes.TransitionRequested, LoopEventTypes.GuardFailed, LoopEventTypes.Blocked);
        (await f.Engine.GetInstanceAsync("PO-2026-0012"))!.Version.Should().Be(1);
    }

    [Fact]
    public async Task TransitionAsync_SoftGuardFails_ExecutesWithRecordedWarning()
    {
        var f = new EngineFixture(definitions:
            LoopDefinition.Create("test.soft").AddState("A").AddState("B", s => s.Terminal())
                .AddTransition("go", "A", "B", t => t.AllowActors(ActorType.Human).AddGuard("deadline_ok", "deadline", "Deadline approaching", GuardSeverity.Soft, GuardEvaluator.External))
                .WithOutcome("done", "done", "done").Build());
        await f.Engine.StartAsync(new StartLoopRequest { LoopId = "test.soft", AggregateId = "S-1", Actor = TestLoops.Drew });

        var result = await f.RequestAsync("S-1", "go", TestLoops.Drew);

        result.IsExecuted.Should().BeTrue();
        result.Record!.Warnings.Should().ContainSingle().Which.GuardId.Should().Be("deadline_ok");
        (await f.EventsAsync()).Should().Contain(e => e.Type == LoopEventTypes.GuardFailed && e.Json.Contains("\"severity\":\"soft\""));
    }

    [Fact]
    public async Task TransitionAsync_ClosedLoop_BlockedLoopClosed()
    {
        var f = new EngineFixture();
        await f.StartProcurementAsync();
        await f.RequestAsync("PO-2026-0012", "cancel", TestLoops.Drew);

        var result = await f.RequestAsync("PO-2026-0012", "confirm_po", TestLoops.Drew, """{"approved":true}""");

        result.BlockReason.Should().Be(BlockReason.LoopClosed);
    }

    [Fact]
    public async Task TransitionAsync_ExpectedVersionStale_ReturnsVersionConflictWithoutEvents()
    {
        var f = new EngineFixture();
        await f.StartProcurementAsync();
        var before = (await f.EventsAsync()).Count;

        var result = await f.RequestAsync("PO-2026-0012", "confirm_po", TestLoops.Drew, """{"approved":true}""", expectedVersion: 7);

        result.Outcome.Should().Be(TransitionOutcome.VersionConflict);
        result.Message.Should().Contain("version 1").And.Contain("expected version 7");
        (await f.EventsAsync()).Should().HaveCount(before);
    }

    [Fact]
    public async Task TransitionAsync_SameIdempotencyKey1000Times_ExactlyOneRecordThenDifferentRequestConflicts()
    {
        var f = new EngineFixture();
        await f.Engine.StartAsync(new StartLoopRequest { LoopId = "test.counter", AggregateId = "C-1", Actor = TestLoops.Replenishment });

        var results = new List<TransitionResult>();
        for (var i = 0; i < 1000; i++)
        {
            results.Add(await f.RequestAsync("C-1", "tick", TestLoops.Replenishment, """{"n":1}""", idempotencyKey: "key-1"));
        }

        results.Should().OnlyContain(r => r.IsExecuted && r.Record!.Sequence == 2);
        results.Skip(1).Should().OnlyContain(r => r.IsReplay);
        (await f.Engine.GetTraceAsync("C-1")).Should().HaveCount(2);
        var different = async () => await f.RequestAsync("C-1", "tick", TestLoops.Replenishment, """{"n":2}""", idempotencyKey: "key-1");
        await different.Should().ThrowAsync<IdempotencyConflictException>().WithMessage("*key-1*different request*");
        (await f.Engine.GetTraceAsync("C-1")).Should().HaveCount(2);
    }

    [Fact]
    public async Task TransitionAsync_32WritersX250RequestsOnOneAggregate_NoLostDuplicatedOrGaps()
    {
        var f = new EngineFixture();
        await f.Engine.StartAsync(new StartLoopRequest { LoopId = "test.counter", AggregateId = "C-R1", Actor = TestLoops.Replenishment });
        var executed = 0;
        var conflicts = 0;
        var writers = Enumerable.Range(0, 32).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 250; i++)
            {
                var current = await f.Engine.GetInstanceAsync("C-R1");
                var result = await f.RequestAsync("C-R1", "tick", TestLoops.Replenishment, $$"""{"writer":{{w}},"i":{{i}}}""", expectedVersion: current!.Version);
                if (result.IsExecuted)
                {
                    Interlocked.Increment(ref executed);
                }
                else
                {
                    result.Outcome.Should().Be(TransitionOutcome.VersionConflict);
                    Interlocked.Increment(ref conflicts);
                }
            }
        }));

        await Task.WhenAll(writers);

        (executed + conflicts).Should().Be(32 * 250);
        var trace = await f.Engine.GetTraceAsync("C-R1");
        trace.Should().HaveCount(executed + 1, "no transition is lost or duplicated");
        trace.Select(r => r.Sequence).Should().Equal(Enumerable.Range(1, executed + 1).Select(i => (long)i), "sequences are gapless");
        trace.Skip(1).Select(r => r.Evidence.Json).Should().OnlyHaveUniqueItems();
        (await f.Engine.VerifyTraceAsync("C-R1")).IsValid.Should().BeTrue();
    }

    [Fact]
    public async Task VerifyTraceAsync_RecordEditedInStore_NamesFirstBadSequence()
    {
        var f = new EngineFixture();
        await f.StartProcurementAsync();
        await f.RequestAsync("PO-2026-0012", "confirm_po", TestLoops.Drew, """{"approved":true}""");
        await f.RequestAsync("PO-2026-0012", "schedule_receipt", TestLoops.Replenishment, """{"warehouse":"DC-East","eta":"2026-02-17"}""");
        var trace = (await f.Engine.GetTraceAsync("PO-2026-0012")).ToList();
        var instance = await f.Engine.GetInstanceAsync("PO-2026-0012");

        var truncated = TraceVerifier.Verify(trace.Take(2).ToList(), instance!.Head);
        trace[1] = trace[1] with { Evidence = Evidence.Parse("""{"approved":false}""") };
        var edited = TraceVerifier.Verify(trace, instance.Head);

        edited.IsValid.Should().BeFalse();
        edited.FirstBadSequence.Should().Be(2);
        edited.Failure.Should().Be(TraceVerificationFailure.HashMismatch);
        truncated.FirstBadSequence.Should().Be(3);
        truncated.Failure.Should().Be(TraceVerificationFailure.HeadMismatch);
    }

    [Fact]
    public async Task GetTraceAsync_RebuildInstanceFromTraceAlone_MatchesStoredInstance()
    {
        var f = new EngineFixture();
        await f.StartProcurementAsync();
        await f.RequestAsync("PO-2026-0012", "confirm_po", TestLoops.Drew, """{"approved":true}""");
        await f.StartProcurementAsync("PO-2026-0013");
        await f.Engine.CancelAsync(new EndLoopRequest { AggregateId = "PO-2026-0013", Actor = TestLoops.Drew, Reason = "duplicate order" });

        foreach (var aggregate in new[] { "PO-2026-0012", "PO-2026-0013" })
        {
            var stored = (await f.Engine.GetInstanceAsync(aggregate))!;
            var rebuilt = TraceReplay.Rebuild(await f.Engine.GetTraceAsync(aggregate), f.Registry.Get(stored.LoopId, stored.DefinitionVersion));
            rebuilt.Should().BeEquivalentTo(stored, o => o.Excluding(i => i.PendingRecommendations).Excluding(i => i.PendingRecommendationCount));
        }
    }

    [Fact]
    public async Task TransitionAsync_EvidenceOverLimit_ThrowsAndChangesNothing()
    {
        var f = new EngineFixture(options: new LoopEngineOptions { MaxEvidenceBytes = 100 });
        await f.StartProcurementAsync();
        var before = (await f.EventsAsync()).Count;

        var act = async () => await f.RequestAsync("PO-2026-0012", "confirm_po", TestLoops.Drew, $$"""{"approved":true,"note":"{{new string('x', 200)}}"}""");

        await act.Should().ThrowAsync<EvidenceException>().WithMessage("*limit is 100 bytes*");
        (await f.EventsAsync()).Should().HaveCount(before);
        (await f.Engine.GetTraceAsync("PO-2026-0012")).Should().HaveCount(1);
    }

    [Fact]
    public async Task TransitionAsync_OrgIsolation_SameAggregateInTwoOrgsIndependent()
    {
        var f = new EngineFixture();
        await f.StartProcurementAsync(org: "org-a");
        await f.StartProcurementAsync(org: "org-b");

        await f.RequestAsync("PO-2026-0012", "cancel", TestLoops.Drew, org: "org-a");

        (await f.Engine.GetInstanceAsync("PO-2026-0012", "org-a"))!.CurrentState.Should().Be("CANCELLED");
        (await f.Engine.GetInstanceAsync("PO-2026-0012", "org-b"))!.Status.Should().Be(LoopStatus.Open);
        var missing = async () => await f.RequestAsync("PO-2026-0012", "cancel", TestLoops.Drew, org: "org-c");
        await missing.Should().ThrowAsync<LoopNotFoundException>().WithMessage("*org-c*");
    }

    [Fact]
    public async Task TransitionAsync_ManyRequests_ReusesPooledStateMachines()
    {
        var f = new EngineFixture();
        await f.Engine.StartAsync(new StartLoopRequest { LoopId = "test.counter", AggregateId = "C-P", Actor = TestLoops.Replenishment });

        for (var i = 0; i < 200; i++)
        {
            await f.RequestAsync("C-P", "tick", TestLoops.Replenishment);
        }

        f.Engine.Compile(f.Registry.Get("test.counter")).MachinesBuilt.Should().BeLessThanOrEqualTo(1);
    }

    [Fact]
    public void MachinePool_AfterABurstLargerThanItsSize_KeepsOnlyItsSize()
    {
        var compiled = new CompiledLoop(new EngineFixture().Registry.Get("test.counter"), poolSize: 2);

        // Five requests at once: five machines; when they are done, the pool keeps two and drops the rest.
        var rented = Enumerable.Range(0, 5).Select(_ => compiled.Rent()).ToList();
        compiled.MachinesBuilt.Should().Be(5);
        rented.ForEach(compiled.Return);
        compiled.MachinesAlive.Should().Be(2);

        // The next two requests reuse the kept machines; a third at the same time configures a new one.
        var again = new[] { compiled.Rent(), compiled.Rent() };
        again.Should().OnlyContain(slot => rented.Contains(slot));
        compiled.MachinesBuilt.Should().Be(5);
        var third = compiled.Rent();
        rented.Should().NotContain(third);
        compiled.MachinesBuilt.Should().Be(6);
        compiled.MachinesAlive.Should().Be(3);
    }
}
