using System.Text.RegularExpressions;
using LoopEngine.Tests.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace LoopEngine.Tests.Catalog;

/// <summary>Issue 10: the CRM, ERP and support loops of the product page ship in the catalogue and run on the real engine.</summary>
public sealed partial class CatalogLoopsTests
{
    private static readonly Actor Approver = Actor.Human("morgan.lee@lumebonde.co");
    private static readonly Actor Agent = Actor.AiAgent("agent:commerce-gateway/claude", "claude-sonnet-4", "anthropic", 0.87);

    /// <summary>The page's eight loops and the path each takes to its success state.</summary>
    private static readonly Dictionary<string, (string[] Path, string Success)> HappyPaths = new()
    {
        ["crm.lead_qualification"] = (["enrich", "score", "contact", "qualify"], "QUALIFIED"),
        ["crm.pipeline_progress"] = (["propose", "negotiate", "send_contract", "win"], "CLOSED_WON"),
        ["crm.customer_retention"] = (["assess_risk", "propose_save_plan", "start_outreach", "extend_offer", "accept_offer"], "RETAINED"),
        ["erp.procurement"] = (["approve_requisition", "issue_po", "receive_goods", "match_invoice", "pay"], "PAID"),
        ["erp.order_fulfillment"] = (["confirm_order", "allocate", "pick", "ship", "deliver"], "DELIVERED"),
        ["erp.cash_collection"] = (["mark_overdue", "send_reminder", "record_promise", "break_promise", "send_reminder", "record_late_payment"], "PAID"),
        ["support.ticket_resolution"] = (["triage", "assign", "request_info", "customer_replied", "escalate", "resolve_escalated"], "RESOLVED"),
        ["support.escalation"] = (["acknowledge", "investigate", "mitigate", "resolve_mitigated"], "RESOLVED"),
    };

    public static TheoryData<string> PageLoops() => new(HappyPaths.Keys);

    /// <summary>Every terminal and error state of every page loop.</summary>
    public static TheoryData<string, string> EndStates()
    {
        var data = new TheoryData<string, string>();
        foreach (var id in HappyPaths.Keys)
        {
            foreach (var state in LoopCatalog.Load(id, "1.0.0").States.Where(s => s.IsTerminal || s.IsError))
            {
                data.Add(id, state.Id);
            }
        }

        return data;
    }

    [Fact]
    public void Available_PageLoops_AllListedAtVersionOne()
    {
        LoopCatalog.Available.Should().Contain(HappyPaths.Keys.Select(id => $"{id}@1.0.0"));
    }

    [Theory]
    [MemberData(nameof(PageLoops))]
    public void Load_PageLoop_IsWellFormed(string id)
    {
        var loop = LoopCatalog.Load(id);

        loop.Key.Should().Be($"{id}@1.0.0");
        loop.Domain.Should().Be(id.Split('.')[0]);
        loop.States.Should().OnlyContain(s => UpperSnake().IsMatch(s.Id) && !string.IsNullOrWhiteSpace(s.Description));
        loop.GetState(loop.InitialState).IsTerminal.Should().BeFalse();
        loop.GetState(HappyPaths[id].Success).IsTerminal.Should().BeTrue();
        loop.States.Where(s => s.IsTerminal && s.Id != HappyPaths[id].Success).Should().NotBeEmpty("{0} needs a terminal non-success state", id);
        loop.Transitions.Should().OnlyContain(t => !string.IsNullOrWhiteSpace(t.Description) && t.AllowedActors.Count > 0);
        loop.Transitions.SelectMany(t => t.Guards).Where(g => g.EvaluatedBy != GuardEvaluator.External).Should().BeEmpty("runtime guards need host implementations");
        loop.Transitions.Should().Contain(t => t.AllowedActors.Contains(ActorType.AiAgent), "an AI agent recommends somewhere in {0}", id);
        loop.Transitions.Should().OnlyContain(t => t.AllowedActors.Any(a => !LoopRuntime.IsRecommendOnly(loop, t, a)), "someone must be able to execute every transition");
        loop.Outcome.Measurable.Should().BeTrue();
        loop.Outcome.BusinessMetrics.Should().NotBeEmpty().And.OnlyContain(m => m.Kind != null);
        loop.States.Should().Contain(s => s.Sla != null);
        (loop.SpawnableLoops ?? []).Where(child => !LoopCatalog.Available.Contains($"{child}@1.0.0")).Should().BeEmpty("a spawned loop ships in the catalogue");
    }

    [Fact]
    public void Load_TicketResolution_EscalatesAfterFourHoursAssignedAndSpawnsEscalation()
    {
        var loop = LoopCatalog.Load("support.ticket_resolution");

        loop.GetState("ASSIGNED").Sla.Should().Be(new StateSla(TimeSpan.FromHours(4), BreachTransition: "escalate", RaiseEvent: true));
        loop.TryGetTransition("escalate", out var escalate).Should().BeTrue();
        escalate!.From.Should().Be("ASSIGNED");
        escalate.To.Should().Be("ESCALATED");
        escalate.AllowedActors.Should().Contain(ActorType.System, "system:sla runs the escalation");
        escalate.RequiredEvidence.Should().BeEmpty("system:sla has no evidence to give");
        escalate.Spawns.Should().Equal("support.escalation");
        loop.SpawnableLoops.Should().Equal("support.escalation");
    }

    [Fact]
    public void Load_PipelineProgress_WinSpawnsOrderFulfillment()
    {
        var loop = LoopCatalog.Load("crm.pipeline_progress");

        loop.TryGetTransition("win", out var win).Should().BeTrue();
        win!.To.Should().Be("CLOSED_WON");
        win.Spawns.Should().Equal("erp.order_fulfillment");
        loop.TryGetTransition("send_contract", out var contract).Should().BeTrue();
        contract!.Guards.Should().ContainSingle().Which.Should().Be(new GuardSpec(
            "discount_within_authority",
            "The deal desk approves the discount and non-standard terms",
            "The discount or terms exceed the seller's authority and need deal desk approval",
            GuardSeverity.Hard,
            GuardEvaluator.External));
    }

    [Theory]
    [MemberData(nameof(PageLoops))]
    public void ToJsonAndToYaml_PageLoop_RoundTripToEqualDefinition(string id)
    {
        var loop = LoopCatalog.Load(id);

        var json = LoopDefinitionSerializer.ToJson(loop);
        var yaml = LoopDefinitionSerializer.ToYaml(loop);

        LoopDefinitionSerializer.LoadJson(json).Should().Be(loop);
        LoopDefinitionSerializer.LoadYaml(yaml).Should().Be(loop);
        LoopDefinitionSerializer.ToJson(LoopDefinitionSerializer.LoadYaml(yaml)).Should().Be(json);
        json.Should().Contain("\"loopengine\"");
    }

    [Theory]
    [MemberData(nameof(PageLoops))]
    public void ToMermaid_PageLoop_DrawsEveryStateAndTransition(string id)
    {
        var loop = LoopCatalog.Load(id);

        var mermaid = loop.ToMermaid();

        mermaid.Should().StartWith($"---\ntitle: {loop.Key}\n---\nstateDiagram-v2\n    [*] --> {loop.InitialState}\n");
        foreach (var t in loop.Transitions)
        {
            var guards = t.Guards.Count == 0 ? string.Empty : $" [{string.Join(", ", t.Guards.Select(g => g.Severity == GuardSeverity.Soft ? g.Id + " (soft)" : g.Id))}]";
            mermaid.Should().Contain($"    {t.From} --> {t.To} : {t.Id}{guards} ({string.Join(", ", t.AllowedActors.Select(a => a.ToWireName()))})\n");
        }

        foreach (var s in loop.States.Where(s => s.IsTerminal || s.IsError))
        {
            mermaid.Should().Contain($"    {s.Id} --> [*]").And.Contain($"    class {s.Id} {(s.IsError ? "error" : "terminal")}");
        }
    }

    [Theory]
    [MemberData(nameof(PageLoops))]
    public async Task TransitionAsync_PageLoopHappyPath_ClosesInSuccessStateWithVerifiedTrace(string id)
    {
        var (path, success) = HappyPaths[id];
        var engine = NewEngine();
        var aggregate = $"{id}-happy";
        await engine.StartAsync(new StartLoopRequest { LoopId = id, AggregateId = aggregate, Actor = Actor.System("system:loop-host") });

        var records = new List<TransitionRecord>();
        foreach (var transitionId in path)
        {
            records.Add(await DriveAsync(engine, LoopCatalog.Load(id), aggregate, transitionId));
        }

        var instance = await engine.GetInstanceAsync(aggregate);
        instance!.CurrentState.Should().Be(success);
        instance.Status.Should().Be(LoopStatus.Closed);
        instance.ClosedAt.Should().NotBeNull();
        records.Select(r => r.TransitionId).Should().Equal(path);
        var verification = await engine.VerifyTraceAsync(aggregate);
        verification.IsValid.Should().BeTrue(verification.Message);
        verification.RecordCount.Should().Be(path.Length + 1, "the start is record 1");
        (await engine.GetTraceAsync(aggregate)).Skip(1).Select(r => r.ToState).Last().Should().Be(success);
    }

    [Theory]
    [MemberData(nameof(EndStates))]
    public async Task TransitionAsync_ShortestPathToEndState_EndsLoopWithVerifiedTrace(string id, string endState)
    {
        var loop = LoopCatalog.Load(id);
        var path = ShortestPath(loop, endState);
        var engine = NewEngine();
        var aggregate = $"{id}-{endState}";
        await engine.StartAsync(new StartLoopRequest { LoopId = id, AggregateId = aggregate, Actor = Actor.System("system:loop-host") });

        foreach (var transition in path)
        {
            await DriveAsync(engine, loop, aggregate, transition.Id);
        }

        var instance = await engine.GetInstanceAsync(aggregate);
        instance!.CurrentState.Should().Be(endState);
        instance.Status.Should().Be(loop.GetState(endState).IsError ? LoopStatus.Error : LoopStatus.Closed);
        (await engine.VerifyTraceAsync(aggregate)).IsValid.Should().BeTrue();
        var blocked = await engine.TransitionAsync(new TransitionRequest { AggregateId = aggregate, TransitionId = path[^1].Id, Actor = Approver, Evidence = EvidenceFor(path[^1]) });
        blocked.BlockReason.Should().Be(BlockReason.LoopClosed);
    }

    [Fact]
    public async Task ApproveAsync_AgentRecommendsLeadScore_ApproverMustConfirmScoresAndTraceNamesBoth()
    {
        var engine = NewEngine();
        await engine.StartAsync(new StartLoopRequest { LoopId = "crm.lead_qualification", AggregateId = "LEAD-1", Actor = Actor.System("system:forms") });
        await DriveAsync(engine, LoopCatalog.Load("crm.lead_qualification"), "LEAD-1", "enrich");

        var pending = await engine.TransitionAsync(new TransitionRequest { AggregateId = "LEAD-1", TransitionId = "score", Actor = Agent, Evidence = Evidence.Parse("""{"fit_score":82,"intent_score":64}""") });
        var stillEnriched = await engine.GetInstanceAsync("LEAD-1");
        var unconfirmed = await engine.ApproveAsync(new ApprovalRequest { RecommendationId = pending.Recommendation!.Id, Approver = Approver });
        var approved = await engine.ApproveAsync(new ApprovalRequest { RecommendationId = pending.Recommendation.Id, Approver = Approver, Evidence = Evidence.Parse("""{"fit_score":80,"intent_score":64}""") });

        pending.Outcome.Should().Be(TransitionOutcome.PendingApproval);
        stillEnriched!.CurrentState.Should().Be("ENRICHED");
        unconfirmed.BlockReason.Should().Be(BlockReason.GuardFailed, "an agent's evidence satisfies nothing: the approver confirms the scores");
        approved.Record!.ToState.Should().Be("SCORED");
        approved.Record.Actor.Should().Be(Approver);
        approved.Record.Recommender.Should().Be(Agent);
    }

    [Fact]
    public async Task TransitionAsync_HumanWritesOffWithoutControllerApproval_PendingAndSameHumanCannotApprove()
    {
        var loop = LoopCatalog.Load("erp.cash_collection");
        var engine = NewEngine();
        var clerk = Actor.Human("ar.clerk@lumebonde.co");
        await engine.StartAsync(new StartLoopRequest { LoopId = loop.Id, AggregateId = "INV-1", Actor = Actor.System("system:billing") });
        await DriveAsync(engine, loop, "INV-1", "mark_overdue");
        await DriveAsync(engine, loop, "INV-1", "send_reminder");

        var pending = await engine.TransitionAsync(new TransitionRequest { AggregateId = "INV-1", TransitionId = "write_off", Actor = clerk, Evidence = Evidence.Parse("""{"amount":1200,"reason":"uncollectable"}""") });
        var self = await engine.ApproveAsync(new ApprovalRequest { RecommendationId = pending.Recommendation!.Id, Approver = clerk });

        pending.Outcome.Should().Be(TransitionOutcome.PendingApproval);
        self.BlockReason.Should().Be(BlockReason.UnauthorizedActor);
        (await engine.GetInstanceAsync("INV-1"))!.CurrentState.Should().Be("DUNNING");
    }

    private static LoopRuntime NewEngine() =>
        new(new InMemoryLoopStore(), LoopCatalog.AddTo(new LoopRegistry()), timeProvider: new FakeTimeProvider(new DateTimeOffset(2026, 3, 2, 8, 0, 0, TimeSpan.Zero)), idGenerator: new SequentialLoopIdGenerator());

    /// <summary>
    /// Executes one transition the way a host would: an AI agent recommends where the transition lets one help and a
    /// human approves; otherwise a permitted executor requests it, and a hard external guard's approval comes from a second human.
    /// </summary>
    private static async Task<TransitionRecord> DriveAsync(LoopRuntime engine, LoopDefinition loop, string aggregate, string transitionId)
    {
        loop.TryGetTransition(transitionId, out var transition).Should().BeTrue();
        var agentHelps = transition!.AllowedActors.Contains(ActorType.AiAgent) && LoopRuntime.PermittedApprovers(loop, transition).Contains(ActorType.Human);
        var type = transition.AllowedActors.First(t => !LoopRuntime.IsRecommendOnly(loop, transition, t));
        var actor = agentHelps ? Agent : new Actor(type, $"{type.ToWireName()}:driver");
        var result = await engine.TransitionAsync(new TransitionRequest { AggregateId = aggregate, TransitionId = transitionId, Actor = actor, Evidence = EvidenceFor(transition) });
        var hardExternal = transition.Guards.Any(g => g.Severity == GuardSeverity.Hard && g.EvaluatedBy == GuardEvaluator.External);
        if (agentHelps || hardExternal)
        {
            result.Outcome.Should().Be(TransitionOutcome.PendingApproval, $"{loop.Id} {transitionId} by {actor.Id}: {result.Message}");
            result = await engine.ApproveAsync(new ApprovalRequest { RecommendationId = result.Recommendation!.Id, Approver = Approver, Evidence = EvidenceFor(transition) });
        }

        result.IsExecuted.Should().BeTrue($"{loop.Id} {transitionId} by {actor.Id}: {result.Message}");
        result.Record!.ToState.Should().Be(transition.To);
        if (agentHelps)
        {
            result.Record.Recommender.Should().Be(Agent);
        }

        return result.Record;
    }

    private static Evidence EvidenceFor(TransitionSpec transition) =>
        Evidence.Parse("{" + string.Join(",", transition.RequiredEvidence.Select(f => $"\"{f}\":\"{f}-value\"")) + "}");

    private static List<TransitionSpec> ShortestPath(LoopDefinition loop, string target)
    {
        var previous = new Dictionary<string, TransitionSpec?> { [loop.InitialState] = null };
        var queue = new Queue<string>([loop.InitialState]);
        while (queue.Count > 0)
        {
            var state = queue.Dequeue();
            foreach (var t in loop.TransitionsFrom(state).Where(t => !previous.ContainsKey(t.To)))
            {
                previous[t.To] = t;
                queue.Enqueue(t.To);
            }
        }

        previous.Should().ContainKey(target);
        var path = new List<TransitionSpec>();
        for (var t = previous[target]; t is not null; t = previous[t.From])
        {
            path.Insert(0, t);
        }

        return path;
    }

    [GeneratedRegex("^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$")]
    private static partial Regex UpperSnake();
}
