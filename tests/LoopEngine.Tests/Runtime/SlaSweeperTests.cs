using LoopEngine.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace LoopEngine.Tests.Runtime;

/// <summary>SLAs and timers: stored timers fired by the sweeper, exactly once, surviving restarts.</summary>
public sealed class SlaSweeperTests
{
    private static readonly Actor Agent = Actor.Human("sam.lee@lumebonde.co");
    private static readonly Actor Router = Actor.Automation("system:router");

    /// <summary>A support ticket loop like the reference's support.ticket_resolution, with an escalating SLA on ASSIGNED.</summary>
    private static LoopDefinition Ticket() =>
        LoopDefinition.Create("support.ticket_resolution", "1.0.0")
            .AddState("NEW", s => s.Initial())
            .AddState("ASSIGNED", s => s.WithSla(TimeSpan.FromHours(4), escalateWith: "escalate"))
            .AddState("ESCALATED")
            .AddState("RESOLVED", s => s.Terminal())
            .AddTransition("assign", "NEW", "ASSIGNED", t => t.AllowActors(ActorType.Automation, ActorType.Human))
            .AddTransition("resolve", "ASSIGNED", "RESOLVED", t => t.AllowActors(ActorType.Human))
            .AddTransition("escalate", "ASSIGNED", "ESCALATED", t => t.AllowActors(ActorType.Automation))
            .AddTransition("resolve_escalated", "ESCALATED", "RESOLVED", t => t.AllowActors(ActorType.Human))
            .WithOutcome("ticket_resolved", "Ticket resolved", "ticket")
            .Build();

    private static async Task<EngineFixture> AssignedTicketsAsync(params string[] tickets)
    {
        var f = new EngineFixture(definitions: [Ticket()]);
        foreach (var ticket in tickets)
        {
            await f.Engine.StartAsync(new StartLoopRequest { LoopId = "support.ticket_resolution", AggregateId = ticket, Actor = Router });
            (await f.RequestAsync(ticket, "assign", Router)).Outcome.Should().Be(TransitionOutcome.Executed);
        }

        return f;
    }

    private static SlaSweeper Sweeper(EngineFixture f, string owner = "sweeper-a") => new(f.Engine, new SlaSweeperOptions { OwnerId = owner });

    [Fact]
    public async Task SweepOnceAsync_TicketStuckInAssignedPastSla_EscalatesAsSystemSla()
    {
        var f = await AssignedTicketsAsync("TICKET-1");
        f.Time.Advance(TimeSpan.FromHours(4) + TimeSpan.FromMinutes(1));

        var fired = await Sweeper(f).SweepOnceAsync();

        fired.Should().Be(1);
        var ticket = await f.Engine.GetInstanceAsync("TICKET-1");
        ticket!.CurrentState.Should().Be("ESCALATED");
        var escalation = (await f.Engine.GetTraceAsync("TICKET-1"))[^1];
        escalation.TransitionId.Should().Be("escalate");
        escalation.Actor.Should().Be(Actor.Automation("system:sla"));
        escalation.Evidence.Root.GetProperty("sla").GetProperty("maxDwell").GetString().Should().Be("PT4H");
        var breach = (await f.EventsAsync()).Should().ContainSingle(e => e.Type == LoopEventTypes.SlaBreached).Subject;
        breach.Json.Should().Contain("\"state\":\"ASSIGNED\"").And.Contain("\"action\":\"transition\"").And.Contain("\"breachTransitionId\":\"escalate\"");
        (await f.Engine.TimerStore!.ListAsync("default", "TICKET-1")).Should().BeEmpty();
    }

    [Fact]
    public async Task SweepOnceAsync_BeforeDeadline_FiresNothing()
    {
        var f = await AssignedTicketsAsync("TICKET-1");
        f.Time.Advance(TimeSpan.FromHours(3));

        (await Sweeper(f).SweepOnceAsync()).Should().Be(0);

        (await f.Engine.GetInstanceAsync("TICKET-1"))!.CurrentState.Should().Be("ASSIGNED");
        (await f.Engine.TimerStore!.ListAsync("default", "TICKET-1")).Should().ContainSingle().Which.DueAt.Should().Be(f.Time.GetUtcNow() + TimeSpan.FromHours(1));
    }

    [Fact]
    public async Task SweepOnceAsync_TicketResolvedBeforeDeadline_DoesNotEscalate()
    {
        var f = await AssignedTicketsAsync("TICKET-1");
        f.Time.Advance(TimeSpan.FromHours(1));
        await f.RequestAsync("TICKET-1", "resolve", Agent);
        f.Time.Advance(TimeSpan.FromHours(5));

        (await Sweeper(f).SweepOnceAsync()).Should().Be(0);

        (await f.Engine.GetInstanceAsync("TICKET-1"))!.CurrentState.Should().Be("RESOLVED");
        (await f.EventsAsync()).Should().NotContain(e => e.Type == LoopEventTypes.SlaBreached);
    }

    [Fact]
    public async Task FireTimerAsync_TimerOfAStateTheLoopLeft_Dropped()
    {
        var f = await AssignedTicketsAsync("TICKET-1");
        var timer = (await f.Engine.TimerStore!.ListAsync("default", "TICKET-1")).Single();
        await f.RequestAsync("TICKET-1", "resolve", Agent);
        f.Time.Advance(TimeSpan.FromHours(5));

        (await f.Engine.FireTimerAsync(timer)).Should().Be(TimerFiring.Dropped);

        (await f.EventsAsync()).Should().NotContain(e => e.Type == LoopEventTypes.SlaBreached);
    }

    [Fact]
    public async Task SweepOnceAsync_TwoSweepersRacing_FireEachDueTimerExactlyOnce()
    {
        var tickets = Enumerable.Range(1, 40).Select(i => $"TICKET-{i}").ToArray();
        var f = await AssignedTicketsAsync(tickets);
        f.Time.Advance(TimeSpan.FromHours(5));
        var a = new SlaSweeper(f.Engine, new SlaSweeperOptions { OwnerId = "a", BatchSize = 3 });
        var b = new SlaSweeper(f.Engine, new SlaSweeperOptions { OwnerId = "b", BatchSize = 3 });

        var fired = await Task.WhenAll(Task.Run(() => a.SweepOnceAsync()), Task.Run(() => b.SweepOnceAsync()));

        fired.Sum().Should().Be(40);
        var events = await f.EventsAsync();
        events.Where(e => e.Type == LoopEventTypes.SlaBreached).Select(e => e.AggregateId).Should().BeEquivalentTo(tickets);
        foreach (var ticket in tickets)
        {
            (await f.Engine.GetTraceAsync(ticket)).Count(r => r.TransitionId == "escalate").Should().Be(1);
        }
    }

    [Fact]
    public async Task FireTimerAsync_SameEventOnlyTimerTwice_OneBreachEvent()
    {
        var f = new EngineFixture(definitions: [LoopCatalog.Load("scm.procurement", "2.0.0")]);
        await f.StartProcurementAsync();
        await f.RequestAsync("PO-2026-0012", "confirm_po", TestLoops.Drew, """{"approved":true}""");
        await f.RequestAsync("PO-2026-0012", "schedule_receipt", TestLoops.Replenishment, """{"warehouse":"DC-East","eta":"2026-02-17"}""");
        var timer = (await f.Engine.TimerStore!.ListAsync("default", "PO-2026-0012")).Single();
        f.Time.Advance(TimeSpan.FromDays(6));

        (await f.Engine.FireTimerAsync(timer)).Should().Be(TimerFiring.Fired);
        await f.Engine.FireTimerAsync(timer);

        (await f.EventsAsync()).Count(e => e.Type == LoopEventTypes.SlaBreached).Should().Be(1);
    }

    [Fact]
    public async Task SweepOnceAsync_ReceiptScheduledPastFiveDays_EmitsBreachEventOnly()
    {
        var f = new EngineFixture(definitions: [LoopCatalog.Load("scm.procurement", "2.0.0")]);
        await f.StartProcurementAsync();
        await f.RequestAsync("PO-2026-0012", "confirm_po", TestLoops.Drew, """{"approved":true}""");
        await f.RequestAsync("PO-2026-0012", "schedule_receipt", TestLoops.Replenishment, """{"warehouse":"DC-East","eta":"2026-02-17"}""");
        f.Time.Advance(TimeSpan.FromDays(5) + TimeSpan.FromSeconds(1));

        (await Sweeper(f).SweepOnceAsync()).Should().Be(1);

        var instance = await f.Engine.GetInstanceAsync("PO-2026-0012");
        instance!.CurrentState.Should().Be("RECEIPT_SCHEDULED");
        instance.Version.Should().Be(3);
        var breach = (await f.EventsAsync()).Should().ContainSingle(e => e.Type == LoopEventTypes.SlaBreached).Subject;
        breach.Json.Should().Contain("\"state\":\"RECEIPT_SCHEDULED\"").And.Contain("\"maxDwell\":\"P5D\"").And.Contain("\"action\":\"event\"")
            .And.Contain("\"dueAt\":\"2026-02-19T09:14:10.000Z\"");
    }

    [Fact]
    public async Task SweepOnceAsync_AfterRestartOnTheSameStore_FiresTimersScheduledBefore()
    {
        var f = await AssignedTicketsAsync("TICKET-1");
        var registry = new LoopRegistry().Add(Ticket());
        var restarted = new LoopRuntime(f.Store, registry, timeProvider: f.Time, idGenerator: new SequentialLoopIdGenerator());
        f.Time.Advance(TimeSpan.FromHours(6));

        (await new SlaSweeper(restarted).SweepOnceAsync()).Should().Be(1);

        (await restarted.GetInstanceAsync("TICKET-1"))!.CurrentState.Should().Be("ESCALATED");
    }

    [Fact]
    public async Task SweepOnceAsync_RecommendationPastItsTtl_ExpiresIt()
    {
        var f = new EngineFixture();
        await f.StartProcurementAsync();
        var pending = await f.RequestAsync("PO-2026-0012", "confirm_po", TestLoops.Claude, """{"approved":true}""");
        f.Time.Advance(TimeSpan.FromHours(25));

        (await Sweeper(f).SweepOnceAsync()).Should().Be(1);

        (await f.Store.GetRecommendationAsync("default", pending.Recommendation!.Id))!.Status.Should().Be(RecommendationStatus.Expired);
        (await f.EventsAsync()).Should().ContainSingle(e => e.Type == LoopEventTypes.RecommendationExpired);
    }

    [Fact]
    public async Task ExecuteAsync_HostedWithFakeClock_EscalatesWhenTheClockPassesTheDeadline()
    {
        var f = await AssignedTicketsAsync("TICKET-1");
        using var sweeper = new SlaSweeper(f.Engine, new SlaSweeperOptions { OwnerId = "hosted", Interval = TimeSpan.FromSeconds(30) });
        await sweeper.StartAsync(CancellationToken.None);
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while ((await f.Engine.GetInstanceAsync("TICKET-1"))!.CurrentState != "ESCALATED" && DateTime.UtcNow < deadline)
            {
                f.Time.Advance(TimeSpan.FromMinutes(30));
                await Task.Delay(20);
            }

            (await f.Engine.GetInstanceAsync("TICKET-1"))!.CurrentState.Should().Be("ESCALATED");
        }
        finally
        {
            await sweeper.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task AddSlaSweeper_WithTheEngine_RegistersOneConfiguredHostedSweeper()
    {
        var services = new ServiceCollection();
        services.AddLoopEngine(b => b.AddLoop(Ticket()).AddSlaSweeper(o => o.OwnerId = "host-1").AddSlaSweeper());
        await using var provider = services.BuildServiceProvider();

        var sweeper = provider.GetRequiredService<SlaSweeper>();
        var hosted = provider.GetServices<IHostedService>();

        sweeper.OwnerId.Should().Be("host-1");
        hosted.Count(h => h.GetType().Name.Contains("SlaSweeper", StringComparison.Ordinal)).Should().Be(1);
    }

    [Fact]
    public void Constructor_StoreWithoutTimers_Throws()
    {
        var engine = new LoopRuntime(new NoTimerStore(), new LoopRegistry());

        var act = () => new SlaSweeper(engine);

        act.Should().Throw<ArgumentException>().WithMessage("*does not implement ITimerStore*");
    }

    /// <summary>An in-memory store seen only through <see cref="ILoopStore"/>: it stores no timers.</summary>
    private sealed class NoTimerStore() : ForwardingLoopStore(new InMemoryLoopStore());
}
