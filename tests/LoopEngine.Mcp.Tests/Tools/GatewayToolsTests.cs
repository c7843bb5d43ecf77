using System.Text.Json;
using LoopEngine.Mcp.Tests.TestSupport;
using ModelContextProtocol.Protocol;

namespace LoopEngine.Mcp.Tests.Tools;

public sealed class GatewayToolsTests : IAsyncLifetime
{
    private GatewayFixture _gateway = null!;

    public async Task InitializeAsync() => _gateway = await GatewayFixture.StartAsync();

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task ListTools_Gateway_ListsEveryToolWithEveryParameterDescribed()
    {
        var tools = await _gateway.Client.ListToolsAsync();

        tools.Select(t => t.Name).Should().BeEquivalentTo(
            "list_loop_definitions", "describe_loop", "get_loop_state", "get_transition_history",
            "list_open_loops", "list_exceptions", "list_signals", "get_loop_metrics", "recommend_transition", "execute_transition");
        foreach (var tool in tools)
        {
            tool.Description.Should().NotBeNullOrWhiteSpace();
            foreach (var parameter in tool.JsonSchema.GetProperty("properties").EnumerateObject())
            {
                parameter.Value.TryGetProperty("description", out var description).Should().BeTrue($"{tool.Name}.{parameter.Name} needs a description");
                description.GetString().Should().NotBeNullOrWhiteSpace();
                parameter.Name.Should().MatchRegex("^[a-z][a-z_]*$", "parameters are snake_case");
            }
        }
    }

    [Fact]
    public async Task ListLoopDefinitions_Registered_ListsThemWithAgentAccess()
    {
        var result = await _gateway.CallAsync("list_loop_definitions");

        result.IsError.Should().NotBe(true);
        var definitions = Data(result).GetProperty("definitions").EnumerateArray().ToList();
        definitions.Select(d => d.GetProperty("key").GetString()).Should().BeEquivalentTo("scm.procurement@2.0.0", "scm.replenishment@2.0.0", "test.triage@1.0.0");
        var triage = definitions.Single(d => d.GetProperty("id").GetString() == "test.triage");
        Strings(triage.GetProperty("agentMayExecute")).Should().Equal("triage");
        Strings(triage.GetProperty("agentMayRecommend")).Should().Equal("resolve", "escalate");
        Text(result).Should().Contain("scm.procurement@2.0.0");
    }

    [Fact]
    public async Task DescribeLoop_Procurement_ReturnsStatesTransitionsGuardsSlaAndMermaid()
    {
        var result = await _gateway.CallAsync("describe_loop", new { loop_id = "scm.procurement", version = "2.0.0" });

        result.IsError.Should().NotBe(true);
        var data = Data(result);
        data.GetProperty("states").EnumerateArray().Select(s => s.GetProperty("id").GetString())
            .Should().Equal("OPEN", "PO_CONFIRMED", "RECEIPT_SCHEDULED", "RECEIVED", "CLOSED", "CANCELLED", "DISPUTED");
        var scheduled = data.GetProperty("states").EnumerateArray().Single(s => s.GetProperty("id").GetString() == "RECEIPT_SCHEDULED");
        scheduled.GetProperty("sla").GetProperty("maxDwell").GetString().Should().Be("P5D");
        var receive = data.GetProperty("transitions").EnumerateArray().Single(t => t.GetProperty("id").GetString() == "receive");
        Strings(receive.GetProperty("allowedActors")).Should().Equal("human", "automation");
        Strings(receive.GetProperty("approvers")).Should().Equal("human");
        receive.GetProperty("agentAccess").GetString().Should().Be("recommend");
        var confirm = data.GetProperty("transitions").EnumerateArray().Single(t => t.GetProperty("id").GetString() == "confirm_po");
        Strings(confirm.GetProperty("requiredEvidence")).Should().Equal("approved");
        data.GetProperty("mermaid").GetString().Should().Be(LoopCatalog.Load("scm.procurement", "2.0.0").ToMermaid());
        Text(result).Should().Contain("stateDiagram-v2");
    }

    [Fact]
    public async Task GetLoopState_SeededPurchaseOrder_ShowsStateAndReceiveAsRecommendOnly()
    {
        var result = await _gateway.CallAsync("get_loop_state", new { aggregate_id = "PO-2026-0012" });

        result.IsError.Should().NotBe(true);
        var data = Data(result);
        data.GetProperty("instance").GetProperty("currentState").GetString().Should().Be("RECEIPT_SCHEDULED");
        data.GetProperty("instance").GetProperty("version").GetInt64().Should().Be(3);
        data.GetProperty("instance").GetProperty("sla").GetProperty("breached").GetBoolean().Should().BeFalse();
        var transitions = data.GetProperty("availableTransitions").EnumerateArray().ToList();
        transitions.Should().ContainSingle();
        transitions[0].GetProperty("id").GetString().Should().Be("receive");
        transitions[0].GetProperty("agentAccess").GetString().Should().Be("recommend");
        transitions[0].GetProperty("explanation").GetString().Should().Contain("human approver");
    }

    [Fact]
    public async Task GetLoopState_TransitionWithRequiredEvidenceAndRepeatedFailures_ExplainsTheBlockers()
    {
        (await _gateway.CallAsync("execute_transition", new { aggregate_id = "CASE-1", transition_id = "triage" })).IsError.Should().BeTrue();
        (await _gateway.CallAsync("execute_transition", new { aggregate_id = "CASE-1", transition_id = "triage", evidence = new { note = "x" } })).IsError.Should().BeTrue();

        var result = await _gateway.CallAsync("get_loop_state", new { aggregate_id = "CASE-1" });

        var transitions = Data(result).GetProperty("availableTransitions").EnumerateArray().ToDictionary(t => t.GetProperty("id").GetString()!);
        transitions["triage"].GetProperty("agentAccess").GetString().Should().Be("execute");
        Strings(transitions["triage"].GetProperty("blockers")).Should().Contain(b => b.Contains("evidence must include: category"))
            .And.Contain(b => b.Contains("required_evidence") && b.Contains("2 time(s)"));
        transitions["triage"].GetProperty("recentGuardFailures").GetInt32().Should().Be(2);
        transitions["fail"].GetProperty("agentAccess").GetString().Should().Be("none");
    }

    [Fact]
    public async Task GetTransitionHistory_SeededPurchaseOrder_ReturnsTheTraceWithElapsedTimesAndActorsPaged()
    {
        var first = await _gateway.CallAsync("get_transition_history", new { aggregate_id = "PO-2026-0012", page_size = 2 });
        var second = await _gateway.CallAsync("get_transition_history", new { aggregate_id = "PO-2026-0012", after_sequence = Data(first).GetProperty("nextAfterSequence").GetInt64(), page_size = 2 });

        var records = Data(first).GetProperty("records").EnumerateArray().Concat(Data(second).GetProperty("records").EnumerateArray()).ToList();
        records.Select(r => r.GetProperty("toState").GetString()).Should().Equal("OPEN", "PO_CONFIRMED", "RECEIPT_SCHEDULED");
        records.Select(r => r.GetProperty("elapsed").GetString()).Should().Equal("0s", "12s", "4m");
        records[1].GetProperty("actor").GetProperty("id").GetString().Should().Be("drew.kim@lumebonde.co");
        records[1].GetProperty("actor").GetProperty("type").GetString().Should().Be("human");
        Data(second).GetProperty("nextAfterSequence").ValueKind.Should().Be(JsonValueKind.Null);
        Text(first).Should().Contain("OPEN -> PO_CONFIRMED 12s [drew.kim@lumebonde.co]");
    }

    [Fact]
    public async Task ListOpenLoops_Filtered_ReturnsOnlyTheConfiguredOrgsMatchingLoops()
    {
        var all = await _gateway.CallAsync("list_open_loops");
        var procurement = await _gateway.CallAsync("list_open_loops", new { loop_id = "scm.procurement", state = "RECEIPT_SCHEDULED" });
        var paged = await _gateway.CallAsync("list_open_loops", new { page_size = 1 });

        Aggregates(Data(all).GetProperty("loops")).Should().BeEquivalentTo("PO-2026-0012", "CASE-1");
        Aggregates(Data(procurement).GetProperty("loops")).Should().Equal("PO-2026-0012");
        Aggregates(Data(paged).GetProperty("loops")).Should().HaveCount(1);
        var next = await _gateway.CallAsync("list_open_loops", new { page_size = 1, continuation_token = Data(paged).GetProperty("continuationToken").GetString() });
        Aggregates(Data(next).GetProperty("loops")).Should().HaveCount(1).And.NotIntersectWith(Aggregates(Data(paged).GetProperty("loops")));
    }

    [Fact]
    public async Task ListExceptions_ErrorsBreachesFailuresAndExpiringRecommendations_ListsEachKind()
    {
        await _gateway.Engine.StartAsync(new StartLoopRequest { LoopId = "test.triage", AggregateId = "CASE-2", Actor = TestLoops.Intake, OrgId = GatewayFixture.Org });
        (await _gateway.MoveAsync("CASE-2", "fail", TestLoops.Intake)).IsExecuted.Should().BeTrue();
        (await _gateway.CallAsync("execute_transition", new { aggregate_id = "CASE-1", transition_id = "triage" })).IsError.Should().BeTrue();
        (await _gateway.CallAsync("execute_transition", new { aggregate_id = "CASE-1", transition_id = "triage" })).IsError.Should().BeTrue();
        (await _gateway.CallAsync("execute_transition", new { aggregate_id = "CASE-1", transition_id = "triage", evidence = new { category = "billing" } })).IsError.Should().NotBe(true);
        (await _gateway.CallAsync("recommend_transition", new { aggregate_id = "CASE-1", transition_id = "resolve" })).IsError.Should().NotBe(true);
        _gateway.Time.Advance(TimeSpan.FromDays(6) - TimeSpan.FromMinutes(5));

        var result = await _gateway.CallAsync("list_exceptions", new { expiring_within_minutes = 60 * 24 * 7 });
        var filtered = await _gateway.CallAsync("list_exceptions", new { kinds = new[] { "error" }, loop_id = "scm.procurement" });

        var data = Data(result);
        Aggregates(data.GetProperty("errors")).Should().Equal("CASE-2");
        Aggregates(data.GetProperty("slaBreaches")).Should().Equal("PO-2026-0012");
        var failures = data.GetProperty("guardFailures").EnumerateArray().ToList();
        failures.Should().ContainSingle();
        failures[0].GetProperty("guardId").GetString().Should().Be("required_evidence");
        failures[0].GetProperty("count").GetInt32().Should().Be(2);
        data.GetProperty("expiringRecommendations").ValueKind.Should().Be(JsonValueKind.Array);
        Data(filtered).GetProperty("errors").GetArrayLength().Should().Be(0);
        Data(filtered).TryGetProperty("slaBreaches", out _).Should().BeFalse();
    }

    [Fact]
    public async Task ListExceptions_FailuresAfterAnEarlierCall_AreCountedOnceEach()
    {
        (await _gateway.CallAsync("execute_transition", new { aggregate_id = "CASE-1", transition_id = "triage" })).IsError.Should().BeTrue();
        var first = Data(await _gateway.CallAsync("list_exceptions", new { kinds = new[] { "guard_failures" }, min_guard_failures = 1 }));

        (await _gateway.CallAsync("execute_transition", new { aggregate_id = "CASE-1", transition_id = "triage" })).IsError.Should().BeTrue();
        (await _gateway.CallAsync("execute_transition", new { aggregate_id = "CASE-1", transition_id = "triage" })).IsError.Should().BeTrue();
        var second = Data(await _gateway.CallAsync("list_exceptions", new { kinds = new[] { "guard_failures" }, min_guard_failures = 1 }));
        var third = Data(await _gateway.CallAsync("list_exceptions", new { kinds = new[] { "guard_failures" }, min_guard_failures = 1 }));

        first.GetProperty("guardFailures")[0].GetProperty("count").GetInt32().Should().Be(1);
        second.GetProperty("guardFailures")[0].GetProperty("count").GetInt32().Should().Be(3, "the index reads only the new events and adds them");
        third.GetProperty("guardFailures")[0].GetProperty("count").GetInt32().Should().Be(3, "nothing new: nothing counted twice");
    }

    [Fact]
    public async Task ListExceptions_RecommendationAboutToExpire_IsListedUntilItExpires()
    {
        (await _gateway.CallAsync("execute_transition", new { aggregate_id = "CASE-1", transition_id = "triage", evidence = new { category = "billing" } })).IsError.Should().NotBe(true);
        var recommended = await _gateway.CallAsync("recommend_transition", new { aggregate_id = "CASE-1", transition_id = "resolve" });

        var early = await _gateway.CallAsync("list_exceptions", new { kinds = new[] { "expiring_recommendations" }, expiring_within_minutes = 10 });
        _gateway.Time.Advance(TimeSpan.FromMinutes(25));
        var late = await _gateway.CallAsync("list_exceptions", new { kinds = new[] { "expiring_recommendations" }, expiring_within_minutes = 10 });

        Data(early).GetProperty("expiringRecommendations").GetArrayLength().Should().Be(0);
        Data(late).GetProperty("expiringRecommendations").EnumerateArray().Select(r => r.GetProperty("id").GetString())
            .Should().Equal(Data(recommended).GetProperty("recommendationId").GetString());
    }

    [Fact]
    public async Task RecommendTransition_Receive_CreatesPendingRecommendationAndTheStateDoesNotMove()
    {
        var result = await _gateway.CallAsync("recommend_transition", new
        {
            aggregate_id = "PO-2026-0012",
            transition_id = "receive",
            evidence = new { shipment_scan = "confirmed", quantity_match = true },
            reasoning = "Carrier scan confirms delivery.",
            confidence = 0.87,
        });

        result.IsError.Should().NotBe(true, Text(result));
        var data = Data(result);
        data.GetProperty("status").GetString().Should().Be("pending");
        var id = data.GetProperty("recommendationId").GetString();
        var instance = await _gateway.Engine.GetInstanceAsync("PO-2026-0012", GatewayFixture.Org);
        instance!.CurrentState.Should().Be("RECEIPT_SCHEDULED");
        instance.Version.Should().Be(3);
        var pending = instance.PendingRecommendations.Should().ContainSingle().Subject;
        pending.Id.Should().Be(id);
        pending.Recommender.Should().Be(Actor.AiAgent(GatewayFixture.AgentId, "claude-sonnet-4", "anthropic", 0.87));
        pending.Evidence.Json.Should().Be("""{"quantity_match":true,"shipment_scan":"confirmed"}""");
    }

    [Fact]
    public async Task RecommendTransition_EvidenceAsJsonText_IsAccepted()
    {
        var result = await _gateway.CallAsync("recommend_transition", new { aggregate_id = "PO-2026-0012", transition_id = "receive", evidence = """{"shipment_scan":"confirmed"}""" });

        result.IsError.Should().NotBe(true, Text(result));
        (await _gateway.Engine.GetInstanceAsync("PO-2026-0012", GatewayFixture.Org))!.PendingRecommendations.Single().Evidence.Json.Should().Be("""{"shipment_scan":"confirmed"}""");
    }

    [Fact]
    public async Task RecommendTransition_TransitionTheAgentMayExecute_IsRefusedWithGuidanceAndNothingIsWritten()
    {
        var before = (await _gateway.EventsAsync()).Count;

        var result = await _gateway.CallAsync("recommend_transition", new { aggregate_id = "CASE-1", transition_id = "triage", evidence = new { category = "billing" } });

        result.IsError.Should().BeTrue();
        Text(result).Should().Contain("execute_transition");
        (await _gateway.EventsAsync()).Should().HaveCount(before);
        (await _gateway.Engine.GetInstanceAsync("CASE-1", GatewayFixture.Org))!.CurrentState.Should().Be("NEW");
    }

    [Fact]
    public async Task ExecuteTransition_ReservedTransition_IsRefusedAndNothingIsWritten()
    {
        var before = (await _gateway.EventsAsync()).Count;

        var result = await _gateway.CallAsync("execute_transition", new { aggregate_id = "PO-2026-0012", transition_id = "receive", evidence = new { shipment_scan = "confirmed" } });

        result.IsError.Should().BeTrue();
        Text(result).Should().Contain("may only recommend").And.Contain("recommend_transition");
        (await _gateway.EventsAsync()).Should().HaveCount(before);
        var instance = await _gateway.Engine.GetInstanceAsync("PO-2026-0012", GatewayFixture.Org);
        instance!.CurrentState.Should().Be("RECEIPT_SCHEDULED");
        instance.PendingRecommendations.Should().BeEmpty();
    }

    [Fact]
    public async Task ExecuteTransition_PolicyLetsTheAgentExecute_ExecutesAttributedToTheConfiguredAgent()
    {
        var result = await _gateway.CallAsync("execute_transition", new { aggregate_id = "CASE-1", transition_id = "triage", evidence = new { category = "billing" } });

        result.IsError.Should().NotBe(true, Text(result));
        Data(result).GetProperty("status").GetString().Should().Be("executed");
        var trace = await _gateway.Engine.GetTraceAsync("CASE-1", GatewayFixture.Org);
        trace[^1].TransitionId.Should().Be("triage");
        trace[^1].Actor.Should().Be(Actor.AiAgent(GatewayFixture.AgentId, "claude-sonnet-4", "anthropic", 0.92));
    }

    [Fact]
    public async Task ExecuteTransition_MissingRequiredEvidence_IsBlockedAsAToolError()
    {
        var result = await _gateway.CallAsync("execute_transition", new { aggregate_id = "CASE-1", transition_id = "triage" });

        result.IsError.Should().BeTrue();
        Data(result).GetProperty("blockReason").GetString().Should().Be("guard_failed");
        Text(result).Should().Contain("category");
        (await _gateway.Engine.GetInstanceAsync("CASE-1", GatewayFixture.Org))!.CurrentState.Should().Be("NEW");
    }

    [Fact]
    public async Task Tools_AnotherOrgsLoop_IsInvisible()
    {
        var state = await _gateway.CallAsync("get_loop_state", new { aggregate_id = "PO-9999-0001" });
        var history = await _gateway.CallAsync("get_transition_history", new { aggregate_id = "PO-9999-0001" });
        var recommend = await _gateway.CallAsync("recommend_transition", new { aggregate_id = "PO-9999-0001", transition_id = "receive" });
        var open = await _gateway.CallAsync("list_open_loops");

        state.IsError.Should().BeTrue();
        Text(state).Should().Contain("No loop exists for aggregate 'PO-9999-0001'").And.Contain("PO-2026-0012");
        history.IsError.Should().BeTrue();
        recommend.IsError.Should().BeTrue();
        Aggregates(Data(open).GetProperty("loops")).Should().NotContain("PO-9999-0001");
        (await _gateway.Engine.GetInstanceAsync("PO-9999-0001", GatewayFixture.OtherOrg))!.PendingRecommendations.Should().BeEmpty();
    }

    [Fact]
    public async Task Resources_Definitions_AreServedAsJsonYamlAndMermaid()
    {
        var templates = await _gateway.Client.ListResourceTemplatesAsync();
        var json = await _gateway.Client.ReadResourceAsync("loopengine://definitions/scm.procurement/2.0.0/json");
        var yaml = await _gateway.Client.ReadResourceAsync("loopengine://definitions/scm.procurement/2.0.0/yaml");
        var mermaid = await _gateway.Client.ReadResourceAsync("loopengine://diagrams/scm.procurement/2.0.0/mermaid");
        var index = await _gateway.Client.ReadResourceAsync("loopengine://definitions");

        templates.Select(t => t.UriTemplate).Should().Contain("loopengine://definitions/{loop_id}/{version}/json");
        var definition = LoopCatalog.Load("scm.procurement", "2.0.0");
        LoopDefinitionSerializer.LoadJson(((TextResourceContents)json.Contents[0]).Text).Should().Be(definition);
        LoopDefinitionSerializer.LoadYaml(((TextResourceContents)yaml.Contents[0]).Text).Should().Be(definition);
        ((TextResourceContents)mermaid.Contents[0]).Text.Should().Be(definition.ToMermaid());
        ((TextResourceContents)index.Contents[0]).Text.Should().Contain("loopengine://diagrams/test.triage/1.0.0/mermaid");
    }

    internal static JsonElement Data(CallToolResult result) =>
        result.StructuredContent ?? throw new InvalidOperationException("No structured content: " + Text(result));

    internal static string Text(CallToolResult result) => string.Join("\n", result.Content.OfType<TextContentBlock>().Select(c => c.Text));

    private static List<string> Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];

    private static List<string> Aggregates(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetProperty("aggregateId").GetString()!)];
}
