using System.Text.Json;
using LoopEngine.Mcp.Tests.TestSupport;

namespace LoopEngine.Mcp.Tests;

/// <summary>A real external client: the official TypeScript MCP SDK drives the built CommerceGateway over stdio.</summary>
public sealed class NodeClientTests
{
    [McpNodeFact]
    public void TypeScriptSdkClient_BuiltGateway_ListsToolsReadsALoopAndRecommendsWithoutMovingIt()
    {
        var (exitCode, output, error) = NodeClient.Run(TimeSpan.FromMinutes(3));

        exitCode.Should().Be(0, $"mcp-client.mjs failed.\nstdout: {output}\nstderr: {error}");
        using var summary = JsonDocument.Parse(output.Trim().Split('\n')[^1]);
        summary.RootElement.GetProperty("ok").GetBoolean().Should().BeTrue();
        summary.RootElement.GetProperty("tools").GetArrayLength().Should().Be(10);
        summary.RootElement.GetProperty("recommendationId").GetString().Should().StartWith("rec_");
        summary.RootElement.GetProperty("checks").EnumerateArray().Should().OnlyContain(c => c.GetProperty("ok").GetBoolean());
    }
}
