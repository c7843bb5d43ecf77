using LoopEngine.Tests.TestSupport;
using LoopEngine.TestSupport;

namespace LoopEngine.Tests.Runtime;

/// <summary>Definition versions side by side: starts, running instances, listing, migrations and removal.</summary>
public sealed class DefinitionVersionTests
{
    private static readonly LoopMigration OneToTwo = new("scm.procurement", "1.0.0", "2.0.0", new Dictionary<string, string> { ["INVOICE_MATCHED"] = "RECEIVED" });

    /// <summary>The interop's scm.procurement 1.0.0 beside the catalogue's 2.0.0; 1.0.0's external guards are decided by evaluators that pass.</summary>
    private static EngineFixture BothVersions()
    {
        var guards = new Dictionary<string, ILoopGuard> { ["approval_obtained"] = new PassGuard(), ["deadline_not_exceeded"] = new PassGuard() };
        return new EngineFixture(guards: guards, definitions:
        [
            LoopDefinitionSerializer.LoadFile(Path.Combine(InteropPaths.LoopsDirectory, "procurement.yaml")),
            LoopCatalog.Load("scm.procurement", "2.0.0"),
        ]);
    }

    private static Task<LoopInstance> StartAsync(EngineFixture f, string aggregate, string? version = null) =>
        f.Engine.StartAsync(new StartLoopRequest { LoopId = "scm.procurement", AggregateId = aggregate, Actor = TestLoops.Replenishment, Version = version }).AsTask();

    [InteropFact]
    public async Task StartAsync_TwoVersionsRegistered_NewStartsUseLatestOrNamedVersion()
    {
        var f = BothVersions();

        (await StartAsync(f, "PO-NEW")).DefinitionVersion.Should().Be("2.0.0");
        (await StartAsync(f, "PO-OLD", "1.0.0")).DefinitionVersion.Should().Be("1.0.0");
    }

    [InteropFact]
    public async Task TransitionAsync_InstanceOnOlderVersion_FinishesOnTheVersionItStartedWith()
    {
        var f = BothVersions();
        await StartAsync(f, "PO-OLD", "1.0.0");

        await f.RequestAsync("PO-OLD", "confirm_po", TestLoops.Drew);
        await f.RequestAsync("PO-OLD", "schedule_receipt", TestLoops.Replenishment);
        (await f.RequestAsync("PO-OLD", "receive", TestLoops.Drew)).BlockReason.Should().Be(BlockReason.InvalidTransition);
        (await f.RequestAsync("PO-OLD", "receive_goods", TestLoops.Drew)).Outcome.Should().Be(TransitionOutcome.Executed);
        await f.RequestAsync("PO-OLD", "match_invoice", TestLoops.Drew);
        var settled = await f.RequestAsync("PO-OLD", "settle", TestLoops.Fulfillment);

        settled.Instance.Should().Match<LoopInstance>(i => i.DefinitionVersion == "1.0.0" && i.CurrentState == "SETTLED" && i.Status == LoopStatus.Closed);
        (await f.Engine.GetTraceAsync("PO-OLD")).Should().OnlyContain(r => r.DefinitionVersion == "1.0.0");
    }

    [InteropFact]
    public async Task ListInstancesAsync_ByDefinitionVersion_ListsInstancesPerVersion()
    {
        var f = BothVersions();
        await StartAsync(f, "PO-1", "1.0.0");
        await StartAsync(f, "PO-2");
        await StartAsync(f, "PO-3");

        var old = await f.Engine.ListInstancesAsync(new InstanceQuery { OrgId = "default", LoopId = "scm.procurement", DefinitionVersion = "1.0.0" });
        var latest = await f.Engine.ListInstancesAsync(new InstanceQuery { OrgId = "default", LoopId = "scm.procurement", DefinitionVersion = "2.0.0" });

        old.Items.Select(i => i.AggregateId).Should().Equal("PO-1");
        latest.Items.Select(i => i.AggregateId).Should().Equal("PO-2", "PO-3");
    }

    [InteropFact]
    public async Task MigrateAsync_RunningInstance_AppendsAttributedMigrateRecordAndEvent()
    {
        var f = BothVersions();
        await StartAsync(f, "PO-OLD", "1.0.0");
        await f.RequestAsync("PO-OLD", "confirm_po", TestLoops.Drew);
        await f.RequestAsync("PO-OLD", "schedule_receipt", TestLoops.Replenishment);
        await f.RequestAsync("PO-OLD", "receive_goods", TestLoops.Drew);
        await f.RequestAsync("PO-OLD", "match_invoice", TestLoops.Drew);

        var migrated = await f.Engine.MigrateAsync(new MigrationRequest { AggregateId = "PO-OLD", Migration = OneToTwo, Actor = TestLoops.Drew, Reason = "2.0.0 drops invoice matching" });

        migrated.Should().Match<LoopInstance>(i => i.DefinitionVersion == "2.0.0" && i.CurrentState == "RECEIVED" && i.Version == 6);
        var record = (await f.Engine.GetTraceAsync("PO-OLD"))[^1];
        record.Should().Match<TransitionRecord>(r => r.TransitionId == ReservedTransitions.Migrate && r.FromState == "INVOICE_MATCHED" && r.ToState == "RECEIVED" && r.DefinitionVersion == "2.0.0" && r.Actor == TestLoops.Drew);
        record.Evidence.Root.GetProperty("migration").GetProperty("fromVersion").GetString().Should().Be("1.0.0");
        record.Evidence.Root.GetProperty("migration").GetProperty("toVersion").GetString().Should().Be("2.0.0");
        var migratedEvent = (await f.EventsAsync()).Should().ContainSingle(e => e.Type == LoopEventTypes.Migrated).Subject;
        migratedEvent.Json.Should().Contain("\"fromState\":\"INVOICE_MATCHED\"").And.Contain("\"toState\":\"RECEIVED\"");
        (await f.Engine.VerifyTraceAsync("PO-OLD")).IsValid.Should().BeTrue();
        TraceReplay.Rebuild(await f.Engine.GetTraceAsync("PO-OLD"), f.Registry.Get("scm.procurement", "2.0.0")).Should().BeEquivalentTo(migrated);

        (await f.RequestAsync("PO-OLD", "close", TestLoops.Fulfillment)).Instance.Should().Match<LoopInstance>(i => i.Status == LoopStatus.Closed && i.DefinitionVersion == "2.0.0");
    }

    [InteropFact]
    public async Task MigrateAsync_IntoStateWithSla_SchedulesTheNewVersionsTimer()
    {
        var f = BothVersions();
        await StartAsync(f, "PO-OLD", "1.0.0");
        await f.RequestAsync("PO-OLD", "confirm_po", TestLoops.Drew);
        await f.RequestAsync("PO-OLD", "schedule_receipt", TestLoops.Replenishment);
        (await f.Engine.TimerStore!.ListAsync("default", "PO-OLD")).Should().BeEmpty();

        await f.Engine.MigrateAsync(new MigrationRequest { AggregateId = "PO-OLD", Migration = OneToTwo, Actor = TestLoops.Drew, Reason = "move to 2.0.0" });

        (await f.Engine.TimerStore!.ListAsync("default", "PO-OLD")).Should().ContainSingle().Which.Key.Should().Be("RECEIPT_SCHEDULED@4");
    }

    [InteropFact]
    public void Validate_UnknownStatesAndDeadEnds_ReportsEveryProblem()
    {
        var f = BothVersions();
        var deadEnd = LoopDefinition.Create("scm.procurement", "3.0.0")
            .AddState("OPEN", s => s.Initial()).AddState("STUCK").AddState("LIMBO").AddState("CLOSED", s => s.Terminal())
            .AddTransition("close", "OPEN", "CLOSED", t => t.AllowActors(ActorType.Human))
            .AddTransition("park", "OPEN", "STUCK", t => t.AllowActors(ActorType.Human))
            .AddTransition("drift", "STUCK", "LIMBO", t => t.AllowActors(ActorType.Human))
            .AddTransition("drift_back", "LIMBO", "STUCK", t => t.AllowActors(ActorType.Human))
            .WithOutcome("done", "done", "done").Build();
        f.Registry.Add(deadEnd);
        var migration = new LoopMigration("scm.procurement", "1.0.0", "3.0.0", new Dictionary<string, string>
        {
            ["NOPE"] = "OPEN", ["PO_CONFIRMED"] = "MISSING", ["RECEIVED"] = "STUCK", ["RECEIPT_SCHEDULED"] = "CLOSED",
        });

        var problems = migration.Validate(f.Registry);

        problems.Select(p => p.Path).Should().BeEquivalentTo(
            "stateMap.NOPE", "stateMap.PO_CONFIRMED", "stateMap.RECEIPT_SCHEDULED", "stateMap.RECEIVED");
        problems.Should().Contain(p => p.Message.Contains("'NOPE' is not a state of 'scm.procurement@1.0.0'", StringComparison.Ordinal));
        problems.Should().Contain(p => p.Message.Contains("'MISSING'", StringComparison.Ordinal));
        problems.Should().Contain(p => p.Message.Contains("no terminal state", StringComparison.Ordinal));
        problems.Should().Contain(p => p.Message.Contains("terminal in", StringComparison.Ordinal));
    }

    [InteropFact]
    public async Task MigrateAsync_InvalidMigration_ThrowsAndDoesNotMove()
    {
        var f = BothVersions();
        await StartAsync(f, "PO-OLD", "1.0.0");
        var bad = new LoopMigration("scm.procurement", "1.0.0", "9.9.9");

        var act = () => f.Engine.MigrateAsync(new MigrationRequest { AggregateId = "PO-OLD", Migration = bad, Actor = TestLoops.Drew, Reason = "r" }).AsTask();

        (await act.Should().ThrowAsync<LoopMigrationException>()).Which.Problems.Should().ContainSingle(p => p.Path == "toVersion");
        (await f.Engine.GetInstanceAsync("PO-OLD"))!.Version.Should().Be(1);
    }

    [InteropFact]
    public async Task MigrateAsync_InstanceOnAnotherVersion_Throws()
    {
        var f = BothVersions();
        await StartAsync(f, "PO-NEW");

        var act = () => f.Engine.MigrateAsync(new MigrationRequest { AggregateId = "PO-NEW", Migration = OneToTwo, Actor = TestLoops.Drew, Reason = "r" }).AsTask();

        await act.Should().ThrowAsync<LoopMigrationException>().WithMessage("*runs 'scm.procurement@2.0.0'*");
    }

    [InteropFact]
    public async Task UnregisterAsync_VersionWithRunningInstances_ThrowsThenSucceedsOnceTheyEnd()
    {
        var f = BothVersions();
        await StartAsync(f, "PO-OLD", "1.0.0");

        var act = () => f.Engine.UnregisterAsync("scm.procurement", "1.0.0").AsTask();

        (await act.Should().ThrowAsync<DefinitionVersionInUseException>()).WithMessage("*1.0.0*PO-OLD*");
        f.Registry.Versions("scm.procurement").Should().Equal("1.0.0", "2.0.0");
        await f.Engine.CancelAsync(new EndLoopRequest { AggregateId = "PO-OLD", Actor = TestLoops.Drew, Reason = "superseded" });
        (await f.Engine.UnregisterAsync("scm.procurement", "1.0.0")).Should().BeTrue();
        f.Registry.Versions("scm.procurement").Should().Equal("2.0.0");
    }

    [Fact]
    public async Task TransitionAsync_VersionRemovedThenRegisteredAgainWithOtherContent_UsesTheNewContent()
    {
        var f = new EngineFixture(definitions: [Ticket("review")]);
        await f.Engine.StartAsync(new StartLoopRequest { LoopId = "test.reregister", AggregateId = "T-1", Actor = TestLoops.Replenishment });
        await f.Engine.CancelAsync(new EndLoopRequest { AggregateId = "T-1", Actor = TestLoops.Drew, Reason = "done" });
        (await f.Engine.UnregisterAsync("test.reregister", "1.0.0")).Should().BeTrue();
        f.Registry.Add(Ticket("triage"));

        // The runtime served the first content last; removal must retire it so it cannot answer for the new content.
        await f.Engine.StartAsync(new StartLoopRequest { LoopId = "test.reregister", AggregateId = "T-2", Actor = TestLoops.Replenishment });
        var result = await f.Engine.TransitionAsync(new TransitionRequest { AggregateId = "T-2", TransitionId = "triage", Actor = TestLoops.Drew });

        result.Outcome.Should().Be(TransitionOutcome.Executed);
        result.Instance!.CurrentState.Should().Be("TRIAGE");
    }

    private static LoopDefinition Ticket(string step) => LoopDefinition.Create("test.reregister", "1.0.0")
        .WithDescription("A loop registered twice under one version")
        .AddState("OPEN", s => s.Initial())
        .AddState(step.ToUpperInvariant())
        .AddState("CLOSED", s => s.Terminal())
        .AddTransition(step, "OPEN", step.ToUpperInvariant(), t => t.AllowActors(ActorType.Human))
        .AddTransition("close", step.ToUpperInvariant(), "CLOSED", t => t.AllowActors(ActorType.Human))
        .WithOutcome("closed", "Closed", "closed")
        .Build();

    private sealed class PassGuard : ILoopGuard
    {
        public ValueTask<GuardResult> EvaluateAsync(GuardArguments arguments) => ValueTask.FromResult(GuardResult.Pass);
    }
}
