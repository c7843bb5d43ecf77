// The Commerce Gateway: an MCP server on stdio through which an AI agent queries loops, surfaces exceptions and
// recommends transitions inside loop guardrails. stdout carries the protocol, so every log line goes to stderr.
//
//   dotnet samples/CommerceGateway/bin/Release/net10.0/CommerceGateway.dll
//
// Configuration (appsettings.json, environment variables such as Gateway__AgentId, or command-line
// --Gateway:AgentId=...): the agent's identity and org come from here, never from a tool call.
// The store is the engine's in-memory store; a host that wants a persistent store calls UseStore on the
// ILoopEngineBuilder below (for example UseSqliteStore from LoopEngine.Sqlite).
using CommerceGateway;
using LoopEngine;
using LoopEngine.Mcp;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

var builder = Host.CreateApplicationBuilder(args);
builder.Logging.ClearProviders();
builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);

builder.Services.AddLoopEngine(loops =>
{
    foreach (var key in LoopCatalog.Available)
    {
        var at = key.LastIndexOf('@');
        loops.AddLoop(LoopCatalog.Load(key[..at], key[(at + 1)..]));
    }
});
builder.Services.AddHostedService<DemoSeeder>();

var gateway = builder.Configuration.GetSection("Gateway");
builder.Services
    .AddMcpServer(o => o.ServerInfo = new() { Name = "loopengine-commerce-gateway", Version = "0.1.0" })
    .WithStdioServerTransport()
    .WithLoopEngineTools(o =>
    {
        o.AgentId = gateway["AgentId"] ?? "agent:commerce-gateway/claude";
        o.ModelId = gateway["ModelId"] ?? "claude-sonnet-4";
        o.Provider = gateway["Provider"] ?? "anthropic";
        o.OrgId = gateway["OrgId"];
        if (double.TryParse(gateway["DefaultConfidence"], System.Globalization.CultureInfo.InvariantCulture, out var confidence))
        {
            o.DefaultConfidence = confidence;
        }
    });

await builder.Build().RunAsync();
