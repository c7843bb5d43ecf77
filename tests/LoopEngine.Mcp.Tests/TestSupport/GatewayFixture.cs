using System.IO.Pipelines;
using System.Text.Json;
using LoopEngine.Mcp;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace LoopEngine.Mcp.Tests.TestSupport;

/// <summary>
/// The gateway hosted in-process: an engine over the in-memory store with a fake clock, the MCP server on one end of
/// two pipes, and the SDK's own client on the other. Seeds the page's PO-2026-0012 in RECEIPT_SCHEDULED.
/// </summary>
internal sealed class GatewayFixture : IAsyncDisposable
{
    public const string AgentId = "agent:commerce-gateway/claude";
    public const string Org = "lumebonde";
    public const string OtherOrg = "other-co";

    private readonly IHost _host;

    private GatewayFixture(IHost host, McpClient client, FakeTimeProvider time)
    {
        _host = host;
        Client = client;
        Time = time;
    }

    public McpClient Client { get; }

    public FakeTimeProvider Time { get; }

    public ILoopEngine Engine => _host.Services.GetRequiredService<ILoopEngine>();

    public IServiceProvider Services => _host.Services;

    public static async Task<GatewayFixture> StartAsync(Action<LoopEngineMcpOptions>? configure = null, bool seed = true, Action<IServiceCollection, FakeTimeProvider>? services = null)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 2, 14, 9, 14, 10, TimeSpan.Zero));
        var clientToServer = new Pipe();
        var serverToClient = new Pipe();
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddLoopEngine(loops => loops
            .AddLoop(LoopCatalog.Load("scm.procurement", "2.0.0"))
            .AddLoop(LoopCatalog.Load("scm.replenishment", "2.0.0"))
            .AddLoop(TestLoops.Triage()));
        services?.Invoke(builder.Services, time);
        builder.Services
            .AddMcpServer()
            .WithStreamServerTransport(clientToServer.Reader.AsStream(), serverToClient.Writer.AsStream())
            .WithLoopEngineTools(o =>
            {
                o.AgentId = AgentId;
                o.ModelId = "claude-sonnet-4";
                o.Provider = "anthropic";
                o.DefaultConfidence = 0.92;
                o.OrgId = Org;
                configure?.Invoke(o);
            });
        var host = builder.Build();
        await host.StartAsync();
        var client = await McpClient.CreateAsync(new StreamClientTransport(clientToServer.Writer.AsStream(), serverToClient.Reader.AsStream()));
        var fixture = new GatewayFixture(host, client, time);
        if (seed)
        {
            await fixture.SeedAsync();
        }

        return fixture;
    }

    /// <summary>The page's story up to the agent's turn, in the gateway's org, plus a look-alike in another org.</summary>
    public async Task SeedAsync()
    {
        await StartPurchaseOrderAsync("PO-2026-0012", Org);
        await StartPurchaseOrderAsync("PO-9999-0001", OtherOrg);
        await Engine.StartAsync(new StartLoopRequest { LoopId = "test.triage", AggregateId = "CASE-1", Actor = TestLoops.Intake, OrgId = Org });
    }

    public async Task StartPurchaseOrderAsync(string aggregateId, string org)
    {
        await Engine.StartAsync(new StartLoopRequest { LoopId = "scm.procurement", Version = "2.0.0", AggregateId = aggregateId, Actor = TestLoops.Replenishment, CorrelationId = "corr_abc123", OrgId = org });
        Time.Advance(TimeSpan.FromSeconds(12));
        await MoveAsync(aggregateId, "confirm_po", TestLoops.Drew, """{"approved": true, "method": "3-way-match"}""", org);
        Time.Advance(TimeSpan.FromMinutes(4));
        await MoveAsync(aggregateId, "schedule_receipt", TestLoops.Replenishment, """{"warehouse": "DC-East", "eta": "2026-02-17"}""", org);
    }

    public async Task<TransitionResult> MoveAsync(string aggregateId, string transitionId, Actor actor, string evidence = "{}", string org = Org)
    {
        var result = await Engine.TransitionAsync(new TransitionRequest { AggregateId = aggregateId, TransitionId = transitionId, Actor = actor, Evidence = Evidence.Parse(evidence), OrgId = org });
        return result;
    }

    public async Task<CallToolResult> CallAsync(string tool, object? arguments = null)
    {
        var args = arguments is null
            ? new Dictionary<string, object?>()
            : JsonSerializer.Deserialize<Dictionary<string, object?>>(JsonSerializer.Serialize(arguments))!;
        return await Client.CallToolAsync(tool, args);
    }

    public async Task<List<LoopEvent>> EventsAsync()
    {
        var events = new List<LoopEvent>();
        await foreach (var item in Engine.ReadEventsAsync())
        {
            events.Add(item);
        }

        return events;
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        await _host.StopAsync();
        _host.Dispose();
    }
}
