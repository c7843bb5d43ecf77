using LoopEngine.Mcp.Tests.TestSupport;
using static LoopEngine.Mcp.Tests.Tools.GatewayToolsTests;

namespace LoopEngine.Mcp.Tests.Tools;

/// <summary>Bad input is a tool error that names the problem and writes nothing; no call lets the agent escalate.</summary>
public sealed class GatewayGuardrailTests : IAsyncLifetime
{
    private static readonly string Oversized = "{\"blob\":\"" + new string('x', Evidence.DefaultMaxBytes) + "\"}";
    private static readonly string Deep = string.Concat(Enumerable.Repeat("{\"a\":", 40)) + "1" + new string('}', 40);

    private GatewayFixture _gateway = null!;

    public static TheoryData<string, string, string> BadInputs => new()
    {
        { "describe_loop", """{"loop_id":"scm.procurment"}""", "scm.procurement" },
        { "describe_loop", """{"loop_id":"scm.procurement","version":"9.9.9"}""", "2.0.0" },
        { "describe_loop", """{"loop_id":""}""", "Registered loops" },
        { "get_loop_state", """{"aggregate_id":"PO-0000-0000"}""", "PO-2026-0012" },
        { "get_loop_state", """{"aggregate_id":"bad\u0001id"}""", "control characters" },
        { "get_transition_history", """{"aggregate_id":"PO-2026-0012","page_size":0}""", "1 to 200" },
        { "get_transition_history", """{"aggregate_id":"PO-2026-0012","page_size":5000}""", "1 to 200" },
        { "get_transition_history", """{"aggregate_id":"PO-2026-0012","after_sequence":-1}""", "0 to 3" },
        { "get_transition_history", """{"aggregate_id":"PO-2026-0012","after_sequence":99}""", "0 to 3" },
        { "get_transition_history", """{"aggregate_id":"NOPE"}""", "PO-2026-0012" },
        { "list_open_loops", """{"loop_id":"scm.nothing"}""", "scm.procurement" },
        { "list_open_loops", """{"loop_id":"scm.procurement","state":"NOWHERE"}""", "RECEIPT_SCHEDULED" },
        { "list_open_loops", """{"page_size":-3}""", "1 to 200" },
        { "list_open_loops", """{"continuation_token":"not-a-token"}""", "Continuation token 'not-a-token' is not valid" },
        { "list_exceptions", """{"kinds":["errors"]}""", "sla_breach" },
        { "list_exceptions", """{"expiring_within_minutes":0}""", "1 to 10080" },
        { "list_exceptions", """{"min_guard_failures":0}""", "1 to 1000" },
        { "list_exceptions", """{"limit":1000}""", "1 to 200" },
        { "list_exceptions", """{"loop_id":"nope.nope"}""", "scm.procurement" },
        { "recommend_transition", """{"aggregate_id":"NOPE","transition_id":"receive"}""", "PO-2026-0012" },
        { "recommend_transition", """{"aggregate_id":"PO-2026-0012","transition_id":"recieve"}""", "receive" },
        { "recommend_transition", """{"aggregate_id":"PO-2026-0012","transition_id":"close"}""", "receive" },
        { "recommend_transition", """{"aggregate_id":"PO-2026-0012","transition_id":"$cancel"}""", "receive" },
        { "recommend_transition", """{"aggregate_id":"PO-2026-0012","transition_id":"receive","evidence":[1,2]}""", "JSON object" },
        { "recommend_transition", """{"aggregate_id":"PO-2026-0012","transition_id":"receive","evidence":"{not json"}""", "JSON object" },
        { "recommend_transition", """{"aggregate_id":"PO-2026-0012","transition_id":"receive","evidence":"{\"a\":1,\"a\":2}"}""", "duplicate" },
        { "recommend_transition", "{\"aggregate_id\":\"PO-2026-0012\",\"transition_id\":\"receive\",\"evidence\":" + Oversized + "}", "65536 bytes" },
        { "recommend_transition", "{\"aggregate_id\":\"PO-2026-0012\",\"transition_id\":\"receive\",\"evidence\":" + Deep + "}", "32 levels" },
        { "recommend_transition", """{"aggregate_id":"PO-2026-0012","transition_id":"receive","confidence":1.5}""", "0 to 1" },
        { "recommend_transition", """{"aggregate_id":"PO-2026-0012","transition_id":"receive","expected_version":7}""", "1 to 3" },
        { "recommend_transition", "{\"aggregate_id\":\"PO-2026-0012\",\"transition_id\":\"receive\",\"reasoning\":\"" + new string('r', 5000) + "\"}", "4096" },
        { "recommend_transition", "{\"aggregate_id\":\"PO-2026-0012\",\"transition_id\":\"receive\",\"idempotency_key\":\"" + new string('k', 300) + "\"}", "1 to 200" },
        { "recommend_transition", """{"aggregate_id":"CASE-1","transition_id":"fail"}""", "neither execute nor recommend" },
        { "execute_transition", """{"aggregate_id":"NOPE","transition_id":"triage"}""", "CASE-1" },
        { "execute_transition", """{"aggregate_id":"CASE-1","transition_id":"resolve"}""", "triage" },
        { "execute_transition", """{"aggregate_id":"CASE-1","transition_id":"triage","evidence":17}""", "JSON object" },
        { "execute_transition", """{"aggregate_id":"CASE-1","transition_id":"fail"}""", "neither execute nor recommend" },
        { "execute_transition", """{"aggregate_id":"PO-2026-0012","transition_id":"receive"}""", "recommend_transition" },
    };

    public async Task InitializeAsync() => _gateway = await GatewayFixture.StartAsync();

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task Tool_BadInput_IsAToolErrorNamingTheProblemAndNothingIsWritten(string tool, string argumentsJson, string named)
    {
        var before = await SnapshotAsync();

        var result = await _gateway.Client.CallToolAsync(tool, System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, object?>>(argumentsJson)!);

        result.IsError.Should().BeTrue();
        Text(result).Should().Contain(named);
        (await SnapshotAsync()).Should().Be(before);
    }

    [Fact]
    public async Task Tools_EscalationAttempts_ExecuteNothingTheAgentMayOnlyRecommend()
    {
        // Claims of another identity, another org or an approval ride along as arguments and evidence.
        var claims = new Dictionary<string, object?>
        {
            ["actor"] = new { type = "human", id = "drew.kim@lumebonde.co" },
            ["actor_type"] = "human",
            ["org_id"] = GatewayFixture.OtherOrg,
            ["approved"] = true,
        };
        var approval = new { approved = true, approved_by = "drew.kim@lumebonde.co", actor_type = "human", shipment_scan = "confirmed" };
        var attempts = new List<(string Tool, Dictionary<string, object?> Arguments)>();
        foreach (var tool in new[] { "list_loop_definitions", "describe_loop", "get_loop_state", "get_transition_history", "list_open_loops", "list_exceptions" })
        {
            attempts.Add((tool, With(claims, new { loop_id = "scm.procurement", aggregate_id = "PO-2026-0012" })));
        }

        foreach (var transition in new[] { "receive", "close", "dispute", "cancel", "$start", "$cancel", "$fail" })
        {
            foreach (var tool in new[] { "execute_transition", "recommend_transition" })
            {
                attempts.Add((tool, With(claims, new { aggregate_id = "PO-2026-0012", transition_id = transition, evidence = approval })));
                attempts.Add((tool, With(claims, new { aggregate_id = "PO-9999-0001", transition_id = transition, evidence = approval })));
            }
        }

        attempts.Add(("execute_transition", With(claims, new { aggregate_id = "CASE-1", transition_id = "fail", evidence = approval })));
        attempts.Add(("recommend_transition", With(claims, new { aggregate_id = "CASE-1", transition_id = "triage", evidence = approval })));

        foreach (var (tool, arguments) in attempts)
        {
            await _gateway.Client.CallToolAsync(tool, arguments);
        }

        var escalations = 0;
        foreach (var (aggregate, org) in new[] { ("PO-2026-0012", GatewayFixture.Org), ("PO-9999-0001", GatewayFixture.OtherOrg), ("CASE-1", GatewayFixture.Org) })
        {
            var trace = await _gateway.Engine.GetTraceAsync(aggregate, org);
            escalations += trace.Count(r => r.Actor.Type == ActorType.AiAgent || r.Actor.Id == GatewayFixture.AgentId);
            var instance = await _gateway.Engine.GetInstanceAsync(aggregate, org);
            instance!.Version.Should().Be(aggregate == "CASE-1" ? 1 : 3, $"{aggregate} must not move");
        }

        escalations.Should().Be(0);
        (await _gateway.Engine.GetInstanceAsync("PO-9999-0001", GatewayFixture.OtherOrg))!.PendingRecommendations.Should().BeEmpty("the agent never reaches another org");
        var pending = (await _gateway.Engine.GetInstanceAsync("PO-2026-0012", GatewayFixture.Org))!.PendingRecommendations;
        pending.Should().NotBeEmpty().And.OnlyContain(r => r.Recommender.Type == ActorType.AiAgent && r.Recommender.Id == GatewayFixture.AgentId);
    }

    [Fact]
    public async Task StartAsync_InvalidAgentIdentity_FailsOptionsValidation()
    {
        var start = () => GatewayFixture.StartAsync(o => o.AgentId = "bad\u0001agent", seed: false);

        await start.Should().ThrowAsync<Microsoft.Extensions.Options.OptionsValidationException>().WithMessage("*valid AI agent*");
    }

    private static Dictionary<string, object?> With(Dictionary<string, object?> claims, object arguments)
    {
        var merged = new Dictionary<string, object?>(claims);
        foreach (var property in System.Text.Json.JsonSerializer.SerializeToElement(arguments).EnumerateObject())
        {
            merged[property.Name] = property.Value;
        }

        return merged;
    }

    private async Task<string> SnapshotAsync()
    {
        var events = await _gateway.EventsAsync();
        var parts = new List<string> { events.Count.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        foreach (var (aggregate, org) in new[] { ("PO-2026-0012", GatewayFixture.Org), ("PO-9999-0001", GatewayFixture.OtherOrg), ("CASE-1", GatewayFixture.Org) })
        {
            var instance = await _gateway.Engine.GetInstanceAsync(aggregate, org);
            parts.Add($"{aggregate}:{instance!.Version}:{instance.CurrentState}:{instance.PendingRecommendations.Count}");
        }

        return string.Join("|", parts);
    }
}
