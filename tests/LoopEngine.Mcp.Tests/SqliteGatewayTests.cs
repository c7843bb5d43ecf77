using System.Text.Json;
using LoopEngine;
using LoopEngine.Mcp.Tests.TestSupport;
using LoopEngine.Sqlite;
using ModelContextProtocol.Client;

namespace LoopEngine.Mcp.Tests;

/// <summary>The built gateway serves a SQLite file another process wrote, and its agent's recommendation lands in that file.</summary>
public sealed class SqliteGatewayTests
{
    [Fact]
    public async Task Gateway_WithDbOnFileWrittenByAnotherEngine_RecommendsIntoTheSameFile()
    {
        var dll = NodeClient.GatewayDll;
        File.Exists(dll).Should().BeTrue($"the gateway is built with the solution at {dll}");
        var path = Path.Combine(Directory.CreateTempSubdirectory("gateway-db-").FullName, "loops.db");
        await using (var writer = new SqliteLoopStore($"Data Source={path}"))
        {
            var engine = new LoopRuntime(writer, LoopCatalog.AddTo(new LoopRegistry()));
            await engine.StartAsync(new StartLoopRequest { LoopId = "scm.procurement", AggregateId = "PO-DB-0001", Actor = Actor.Automation("system:replenishment") });
            await engine.TransitionAsync(new TransitionRequest { AggregateId = "PO-DB-0001", TransitionId = "confirm_po", Actor = Actor.Human("drew.kim@lumebonde.co"), Evidence = Evidence.Parse("""{"approved":true}""") });
            await engine.TransitionAsync(new TransitionRequest { AggregateId = "PO-DB-0001", TransitionId = "schedule_receipt", Actor = Actor.Automation("system:replenishment"), Evidence = Evidence.Parse("""{"warehouse":"DC-East","eta":"2026-02-17"}""") });
        }

        var transport = new StdioClientTransport(new StdioClientTransportOptions { Name = "gateway", Command = "dotnet", Arguments = [dll!, "--db", path] });
        await using (var client = await McpClient.CreateAsync(transport))
        {
            var state = await client.CallToolAsync("get_loop_state", new Dictionary<string, object?> { ["aggregate_id"] = "PO-DB-0001" });
            var recommended = await client.CallToolAsync("recommend_transition", new Dictionary<string, object?>
            {
                ["aggregate_id"] = "PO-DB-0001",
                ["transition_id"] = "receive",
                ["evidence"] = JsonSerializer.Deserialize<JsonElement>("""{"shipment_scan":"confirmed"}"""),
            });

            (state.IsError ?? false).Should().BeFalse();
            (recommended.IsError ?? false).Should().BeFalse();
        }

        await using var reader = new SqliteLoopStore($"Data Source={path}");
        var pending = await reader.QueryRecommendationsAsync(new RecommendationQuery { OrgId = "default", AggregateId = "PO-DB-0001" });
        pending.Items.Should().ContainSingle().Which.Should().Match<Recommendation>(r => r.Status == RecommendationStatus.Pending && r.Recommender.Type == ActorType.AiAgent);
        (await reader.GetInstanceAsync("default", "PO-DB-0001"))!.CurrentState.Should().Be("RECEIPT_SCHEDULED");

        // The gateway's demo seeder ingested the page's raw events: with --db its signal store is that file too.
        var signals = await new SqliteSignalStore($"Data Source={path}").ListRecentSignalsAsync(10);
        signals.Should().ContainSingle(s => s.Type == "DEMAND_SPIKE").Which.AggregateId.Should().Be("REPLEN-2026-0041");
    }
}
