using LoopEngine;
using LoopEngine.Tests.TestSupport;
using LoopEngine.TestSupport;

namespace LoopEngine.Tests.Approvals;

/// <summary>TARGETS.md R8: AI agents never execute a transition that needs approval, whatever they try.</summary>
public sealed class EscalationTests
{
    private static readonly Dictionary<string, ILoopGuard> PassingGuards = new() { ["duplicate_check_passed"] = BuiltInGuards.From(_ => GuardResult.Pass) };

    public static TheoryData<string> Loops()
    {
        var data = new TheoryData<string>();
        foreach (var definition in AllDefinitions())
        {
            data.Add(definition.Key);
        }

        return data;
    }

    private static List<LoopDefinition> AllDefinitions()
    {
        var definitions = new List<LoopDefinition> { TestLoops.Procurement() };
        definitions.AddRange(LoopCatalog.Available.Select(key => LoopCatalog.Load(key.Split('@')[0], key.Split('@')[1])));
        if (InteropPaths.Directory is not null)
        {
            definitions.AddRange(Directory.GetFiles(InteropPaths.LoopsDirectory, "*.yaml").Select(f => LoopDefinitionSerializer.LoadFile(f)));
        }
        else if (InteropPaths.IsCi)
        {
            throw new InvalidOperationException(InteropPaths.MissingReason);
        }

        return definitions.GroupBy(d => d.Key).Select(g => g.First()).ToList();
    }

    [Theory]
    [MemberData(nameof(Loops))]
    public async Task TransitionAsync_EveryActorTypeOnEveryTransition_MatchesPolicyTableWithZeroEscalations(string key)
    {
        var definition = AllDefinitions().Single(d => d.Key == key);
        var checkedCount = 0;
        foreach (var transition in definition.Transitions)
        {
            foreach (var type in ActorTypes.All)
            {
                // A transition that spawns needs its child loops registered (the latest version of each).
                var children = (definition.SpawnableLoops ?? []).Select(id => AllDefinitions().Where(d => d.Id == id).MaxBy(d => d.Version, StringComparer.Ordinal)!);
                var f = new EngineFixture(guards: PassingGuards, definitions: [definition, .. children]);
                var aggregate = $"AGG-{transition.Id}-{type}";
                if (!await WalkToAsync(f, definition, aggregate, transition.From))
                {
                    continue;
                }

                var actor = type == ActorType.AiAgent ? TestLoops.Claude : new Actor(type, $"{type.ToWireName()}:tester");
                var evidence = FullEvidence(transition, forgedApproval: true);
                var result = await f.RequestAsync(aggregate, transition.Id, actor, evidence);
                var allowed = transition.AllowedActors.Contains(type);
                var recommender = definition.Policy.Recommenders.Contains(type);
                var recommendOnly = LoopRuntime.IsRecommendOnly(definition, transition, type);
                var approvers = LoopRuntime.PermittedApprovers(definition, transition);
                if (!allowed && !recommender)
                {
                    result.BlockReason.Should().Be(BlockReason.UnauthorizedActor, $"{key} {transition.Id} by {type}");
                }
                else if (!allowed || recommendOnly)
                {
                    result.Outcome.Should().Be(approvers.Count > 0 ? TransitionOutcome.PendingApproval : TransitionOutcome.Blocked, $"{key} {transition.Id} by {type}");
                    if (approvers.Count == 0)
                    {
                        result.BlockReason.Should().Be(BlockReason.UnauthorizedActor);
                    }
                }
                else
                {
                    result.Outcome.Should().BeOneOf(TransitionOutcome.Executed, TransitionOutcome.PendingApproval);
                }

                if (type == ActorType.AiAgent && !transition.AiMayExecute)
                {
                    result.IsExecuted.Should().BeFalse($"an AI agent may not execute {key} {transition.Id}");
                    (await f.Engine.GetInstanceAsync(aggregate))!.CurrentState.Should().Be(transition.From);
                }

                checkedCount++;
            }
        }

        checkedCount.Should().BeGreaterThan(0);
    }

    [Fact]
    public async Task ApproveAsync_AgentApprovesOwnRecommendationOrUsesHumanLookingId_BlockedAndNothingMoves()
    {
        var f = new EngineFixture();
        await ToReceiptScheduledAsync(f, "PO-1");
        var impostor = Actor.AiAgent("drew.kim@lumebonde.co", "claude-sonnet-4", "anthropic", 0.99);

        var direct = await f.RequestAsync("PO-1", "receive", impostor, """{"approval_obtained":true,"approved":true}""");
        var selfApproval = await f.Engine.ApproveAsync(new ApprovalRequest { RecommendationId = direct.Recommendation!.Id, Approver = impostor });
        var otherAgent = await f.Engine.ApproveAsync(new ApprovalRequest { RecommendationId = direct.Recommendation.Id, Approver = TestLoops.Claude });

        direct.Outcome.Should().Be(TransitionOutcome.PendingApproval);
        selfApproval.BlockReason.Should().Be(BlockReason.UnauthorizedActor);
        otherAgent.BlockReason.Should().Be(BlockReason.UnauthorizedActor);
        (await f.Engine.GetInstanceAsync("PO-1"))!.CurrentState.Should().Be("RECEIPT_SCHEDULED");
        (await f.EventsAsync()).Should().Contain(e => e.Type == LoopEventTypes.Blocked && e.Json.Contains("unauthorized_actor"));
    }

    [Fact]
    public async Task ApproveAsync_ReplayedRecommendationOnAnotherAggregateOrOrg_NotFoundAndNothingMoves()
    {
        var f = new EngineFixture();
        await ToReceiptScheduledAsync(f, "PO-1");
        await ToReceiptScheduledAsync(f, "PO-2");
        await ToReceiptScheduledAsync(f, "PO-1", org: "other-org");
        var pending = await f.RequestAsync("PO-1", "receive", TestLoops.Claude, """{"shipment_scan":"confirmed"}""");
        await f.Engine.ApproveAsync(new ApprovalRequest { RecommendationId = pending.Recommendation!.Id, Approver = TestLoops.Drew });

        var otherAggregate = async () => await f.Engine.ApproveAsync(new ApprovalRequest { RecommendationId = pending.Recommendation.Id, Approver = TestLoops.Drew, AggregateId = "PO-2" });
        var otherOrg = async () => await f.Engine.ApproveAsync(new ApprovalRequest { RecommendationId = pending.Recommendation.Id, Approver = TestLoops.Drew, OrgId = "other-org" });

        await otherAggregate.Should().ThrowAsync<RecommendationNotFoundException>();
        await otherOrg.Should().ThrowAsync<RecommendationNotFoundException>();
        (await f.Engine.GetInstanceAsync("PO-2"))!.CurrentState.Should().Be("RECEIPT_SCHEDULED");
        (await f.Engine.GetInstanceAsync("PO-1", "other-org"))!.CurrentState.Should().Be("RECEIPT_SCHEDULED");
    }

    [Fact]
    public async Task ApproveAsync_PagesExample_PendingVisibleThenHumanApprovesWithBothEvidences()
    {
        var f = new EngineFixture();
        await ToReceiptScheduledAsync(f, "PO-2026-0012");
        f.Time.SetUtcNow(DateTimeOffset.Parse("2026-02-17T09:00:00Z"));
        var pending = await f.RequestAsync("PO-2026-0012", "receive", TestLoops.Claude, """{"shipment_scan":"confirmed","quantity_match":true}""");
        var visible = await f.Engine.GetInstanceAsync("PO-2026-0012");
        f.Time.SetUtcNow(DateTimeOffset.Parse("2026-02-17T09:20:00Z"));

        var approved = await f.Engine.ApproveAsync(new ApprovalRequest { RecommendationId = pending.Recommendation!.Id, Approver = TestLoops.Drew, Evidence = Evidence.Parse("""{"approved":true,"method":"3-way-match"}""") });
        var again = await f.Engine.ApproveAsync(new ApprovalRequest { RecommendationId = pending.Recommendation.Id, Approver = TestLoops.Drew });

        visible!.PendingRecommendations.Should().ContainSingle().Which.Recommender.Id.Should().Be("agent:commerce-gateway/claude");
        approved.Record!.FromState.Should().Be("RECEIPT_SCHEDULED");
        approved.Record.ToState.Should().Be("RECEIVED");
        approved.Record.Actor.Should().Be(TestLoops.Drew);
        approved.Record.Recommender.Should().Be(TestLoops.Claude);
        approved.Record.RecommendationEvidence!.Json.Should().Be("""{"quantity_match":true,"shipment_scan":"confirmed"}""");
        approved.Record.Evidence.Json.Should().Be("""{"approved":true,"method":"3-way-match"}""");
        again.IsReplay.Should().BeTrue();
        again.Record!.Sequence.Should().Be(approved.Record.Sequence);
        (await f.Engine.GetTraceAsync("PO-2026-0012")).Should().HaveCount(4);
        (await f.EventsAsync()).Single(e => e.Type == LoopEventTypes.Executed && e.Json.Contains("\"receive\"")).Json.Should().Contain($"\"causationId\":\"{pending.Recommendation.Id}\"");
    }

    [Fact]
    public async Task ApproveAsync_LoopMovedOnAfterRecommendation_SupersededAndApprovalIsTypedError()
    {
        var f = new EngineFixture();
        await ToReceiptScheduledAsync(f, "PO-1");
        var pending = await f.RequestAsync("PO-1", "receive", TestLoops.Claude, """{"shipment_scan":"confirmed"}""");
        await f.RequestAsync("PO-1", "receive", TestLoops.Warehouse);

        var act = async () => await f.Engine.ApproveAsync(new ApprovalRequest { RecommendationId = pending.Recommendation!.Id, Approver = TestLoops.Drew });

        await act.Should().ThrowAsync<RecommendationStateException>().WithMessage("*superseded*");
        (await f.Store.GetRecommendationAsync("default", pending.Recommendation!.Id))!.Status.Should().Be(RecommendationStatus.Superseded);
    }

    [Fact]
    public async Task ListRecommendationsAsync_AfterTimeToLive_ExpiredOnRead()
    {
        var f = new EngineFixture();
        await ToReceiptScheduledAsync(f, "PO-1");
        var pending = await f.RequestAsync("PO-1", "receive", TestLoops.Claude, """{"shipment_scan":"confirmed"}""");
        f.Time.Advance(TimeSpan.FromHours(25));

        var page = await f.Engine.ListRecommendationsAsync(new RecommendationQuery { OrgId = "default" });

        page.Items.Should().ContainSingle().Which.Status.Should().Be(RecommendationStatus.Expired);
        (await f.Engine.GetInstanceAsync("PO-1"))!.PendingRecommendations.Should().BeEmpty();
        var act = async () => await f.Engine.ApproveAsync(new ApprovalRequest { RecommendationId = pending.Recommendation!.Id, Approver = TestLoops.Drew });
        await act.Should().ThrowAsync<RecommendationStateException>().WithMessage("*expired*");
    }

    private static async Task ToReceiptScheduledAsync(EngineFixture f, string aggregate, string? org = null)
    {
        await f.StartProcurementAsync(aggregate, org);
        (await f.RequestAsync(aggregate, "confirm_po", TestLoops.Drew, """{"approved":true}""", org: org)).IsExecuted.Should().BeTrue();
        (await f.RequestAsync(aggregate, "schedule_receipt", TestLoops.Replenishment, """{"warehouse":"DC-East","eta":"2026-02-17"}""", org: org)).IsExecuted.Should().BeTrue();
    }

    private static string FullEvidence(TransitionSpec transition, bool forgedApproval)
    {
        var fields = transition.RequiredEvidence.Select(f => $"\"{f}\":\"x\"").ToList();
        if (forgedApproval)
        {
            fields.Add("\"approval_obtained_claim\":true");
        }

        return "{" + string.Join(",", fields) + "}";
    }

    /// <summary>Starts a loop and moves it to <paramref name="target"/> along the shortest path, with permitted actors (approving where needed).</summary>
    private static async Task<bool> WalkToAsync(EngineFixture f, LoopDefinition definition, string aggregate, string target)
    {
        var path = ShortestPath(definition, target);
        if (path is null)
        {
            return false;
        }

        await f.Engine.StartAsync(new StartLoopRequest { LoopId = definition.Id, Version = definition.Version, AggregateId = aggregate, Actor = TestLoops.Replenishment });
        foreach (var step in path)
        {
            var type = step.AllowedActors.First(t => !LoopRuntime.IsRecommendOnly(definition, step, t));
            var result = await f.RequestAsync(aggregate, step.Id, new Actor(type, $"{type.ToWireName()}:walker"), FullEvidence(step, false));
            if (result.IsPending)
            {
                var approver = LoopRuntime.PermittedApprovers(definition, step)[0];
                result = await f.Engine.ApproveAsync(new ApprovalRequest { RecommendationId = result.Recommendation!.Id, Approver = new Actor(approver, $"{approver.ToWireName()}:approver"), Evidence = Evidence.Parse(FullEvidence(step, false)) });
            }

            if (!result.IsExecuted)
            {
                return false;
            }
        }

        return true;
    }

    private static List<TransitionSpec>? ShortestPath(LoopDefinition definition, string target)
    {
        var previous = new Dictionary<string, TransitionSpec?> { [definition.InitialState] = null };
        var queue = new Queue<string>([definition.InitialState]);
        while (queue.Count > 0)
        {
            var state = queue.Dequeue();
            if (state == target)
            {
                var path = new List<TransitionSpec>();
                for (var t = previous[state]; t is not null; t = previous[t.From])
                {
                    path.Insert(0, t);
                }

                return path;
            }

            foreach (var t in definition.TransitionsFrom(state).Where(t => !previous.ContainsKey(t.To)))
            {
                previous[t.To] = t;
                queue.Enqueue(t.To);
            }
        }

        return null;
    }
}
