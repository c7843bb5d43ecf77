// The Commerce Gateway: an MCP server on stdio through which an AI agent queries loops, surfaces exceptions and
// recommends transitions inside loop guardrails. stdout carries the protocol, so every log line goes to stderr.
//
//   dotnet samples/CommerceGateway/bin/Release/net10.0/CommerceGateway.dll
//
// Configuration (appsettings.json, environment variables such as Gateway__AgentId, or command-line
// --Gateway:AgentId=...): the agent's identity and org come from here, never from a tool call.
// The store is the engine's in-memory store unless a SQLite file is named with --db PATH (or Gateway:Database): then the
// gateway reads and recommends on the same file the SCM sample writes (dotnet run --project samples/Scm.Replenishment
// -- --db loops.db), and several processes may have it open at once.
//
// list_signals reads the signal engine (AddLoopEngineSignals: DEMAND_SPIKE with the page's reference data, triggering
// scm.replenishment) and get_loop_metrics the metrics service (AddLoopEngineLearning); DemoSeeder ingests the page's
// three raw events, so the agent sees DEMAND_SPIKE BRS-001@DC-East conf 0.84 and the REPLEN loop it opened.
using CommerceGateway;
using LoopEngine;
using LoopEngine.Mcp;
using LoopEngine.Signals;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

var dbAt = Array.IndexOf(args, "--db");
if (dbAt >= 0 && dbAt + 1 >= args.Length)
{
    Console.Error.WriteLine("Option --db needs a path: --db PATH names the SQLite file to serve.");
    return 2;
}

var builder = Host.CreateApplicationBuilder(dbAt >= 0 ? args.Where((_, i) => i != dbAt && i != dbAt + 1).ToArray() : args);
var database = dbAt >= 0 ? args[dbAt + 1] : builder.Configuration["Gateway:Database"];
builder.Logging.ClearProviders();
builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);

builder.Services.AddLoopEngine(loops =>
{
    foreach (var key in LoopCatalog.Available)
    {
        var at = key.LastIndexOf('@');
        loops.AddLoop(LoopCatalog.Load(key[..at], key[(at + 1)..]));
    }

    if (database is not null)
    {
        // Loops, signals, outcomes and estimates all from the one file (another process, such as the SCM sample, may write it).
        loops.UseSqliteStore($"Data Source={database}");
    }
});
var gateway = builder.Configuration.GetSection("Gateway");
builder.Services.AddLoopEngineSignals(signals => signals
    .AddSignal(ScmSignals.DemandSpike())
    .AddTrigger(ScmSignals.ReplenishmentTrigger())
    .UseReferenceData(DemoSeeder.PageReferenceData())
    .Configure(o => o.OrgId = gateway["OrgId"] ?? "default"));
builder.Services.AddLoopEngineLearning();
builder.Services.AddHostedService<DemoSeeder>();

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
return 0;
