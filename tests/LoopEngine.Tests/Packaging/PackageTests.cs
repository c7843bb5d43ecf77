using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using System.Xml.Linq;

namespace LoopEngine.Tests.Packaging;

/// <summary>
/// Issue 10, packages: what users install is what we test. The core package is packed from source into a local feed,
/// and a console host outside the repository installs it from that feed, defines a loop, moves it and prints the state.
/// Slow (pack + restore + build), so it carries the <c>Category=Packaging</c> trait to filter on; it runs in the normal suite.
/// </summary>
public sealed class PackageTests
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(10);

    [Fact]
    [Trait("Category", "Packaging")]
    public async Task Pack_ConsoleHostInstallsLoopEngineFromLocalFeed_RunsLoopAndPrintsState()
    {
        var repo = RepositoryRoot();
        var work = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"loopengine-pkgtest-{Environment.ProcessId}-{Guid.NewGuid():N}")).FullName;
        try
        {
            var feed = Directory.CreateDirectory(Path.Combine(work, "feed")).FullName;

            // Pack from source in Release whatever configuration this test runs under, into separate artifacts so the
            // repository's bin/obj (which this very test may be running from) are left alone.
            await RunAsync(work, "pack", Path.Combine(repo, "src", "LoopEngine", "LoopEngine.csproj"), "-c", "Release", "-o", feed,
                "--artifacts-path", Path.Combine(work, "artifacts"), "-m:1", "-nodeReuse:false", "-p:UseSharedCompilation=false");

            var package = Directory.GetFiles(feed, "LoopEngine.*.nupkg").Should().ContainSingle(p => !p.EndsWith(".snupkg", StringComparison.Ordinal)).Subject;
            Directory.GetFiles(feed, "LoopEngine.*.snupkg").Should().ContainSingle("symbols ship as a snupkg");
            var nuspec = ReadNuspec(package, out var entries);
            var ns = nuspec.Root!.Name.Namespace;
            var metadata = nuspec.Root.Element(ns + "metadata")!;
            var version = metadata.Element(ns + "version")!.Value;
            metadata.Element(ns + "id")!.Value.Should().Be("LoopEngine");
            metadata.Element(ns + "license")!.Value.Should().Be("Apache-2.0");
            metadata.Element(ns + "readme")!.Value.Should().Be("README.md");
            var repository = metadata.Element(ns + "repository");
            repository.Should().NotBeNull("Source Link stamps the repository into the package");
            repository!.Attribute("type")!.Value.Should().Be("git");
            repository.Attribute("url")!.Value.Should().StartWith("https://");
            repository.Attribute("commit")!.Value.Should().MatchRegex("^[0-9a-f]{40}$");
            entries.Should().Contain(["README.md", "lib/net10.0/LoopEngine.dll", "lib/net10.0/LoopEngine.xml"]);

            var host = Directory.CreateDirectory(Path.Combine(work, "host")).FullName;
            WriteHost(host, feed, Path.Combine(work, "packages"), version);

            await RunAsync(host, "build", "-c", "Release", "-m:1", "-nodeReuse:false", "-p:UseSharedCompilation=false");
            var output = await RunAsync(host, "run", "--no-build", "-c", "Release");

            output.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Should().Equal(
                "started demo.approval@1.0.0 in REQUESTED",
                "agent: PendingApproval, still REQUESTED",
                "approved: Executed -> APPROVED (Closed) by human:pat@example.com recommended by agent:claude",
                "trace: valid, 2 records",
                "catalogue: support.ticket_resolution@1.0.0 ESCALATED after PT4H in ASSIGNED");
            Directory.Exists(Path.Combine(work, "packages", "loopengine", version)).Should().BeTrue("the host restored LoopEngine from the local feed, not from a cache");
        }
        finally
        {
            try
            {
                Directory.Delete(work, recursive: true);
            }
            catch (IOException)
            {
                // A leftover temp folder is not a test failure.
            }
            catch (UnauthorizedAccessException)
            {
                // Likewise.
            }
        }
    }

    private static void WriteHost(string host, string feed, string packages, string version)
    {
        // Empty MSBuild files stop MSBuild walking up into any parent's Directory.Build.* / Directory.Packages.props.
        File.WriteAllText(Path.Combine(host, "Directory.Build.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(host, "Directory.Build.targets"), "<Project />\n");
        File.WriteAllText(Path.Combine(host, "Directory.Packages.props"), "<Project />\n");

        // The local feed first, nuget.org for dependencies; a private packages folder so a cached LoopEngine cannot stand in.
        File.WriteAllText(Path.Combine(host, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config>
                <add key="globalPackagesFolder" value="{packages}" />
              </config>
              <packageSources>
                <clear />
                <add key="local" value="{feed}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" protocolVersion="3" />
              </packageSources>
              <packageSourceMapping>
                <packageSource key="local">
                  <package pattern="LoopEngine" />
                  <package pattern="LoopEngine.*" />
                </packageSource>
                <packageSource key="nuget.org">
                  <package pattern="*" />
                </packageSource>
              </packageSourceMapping>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(host, "PackageHost.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                <NuGetAudit>false</NuGetAudit>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="LoopEngine" Version="[{version}]" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(host, "Program.cs"), """"
            using LoopEngine;

            var loop = LoopDefinition.Create("demo.approval", "1.0.0")
                .WithDescription("A request an AI agent recommends and a human approves")
                .AddState("REQUESTED", s => s.Initial())
                .AddState("APPROVED", s => s.Terminal())
                .AddState("REJECTED", s => s.Terminal())
                .AddTransition("approve", "REQUESTED", "APPROVED", t => t.AllowActors(ActorType.Human, ActorType.AiAgent).RequireEvidence("amount"))
                .AddTransition("reject", "REQUESTED", "REJECTED", t => t.AllowActors(ActorType.Human))
                .WithOutcome("request_approved", "Request approved", "request_approved")
                .Build();

            var engine = new LoopRuntime(new InMemoryLoopStore(), LoopCatalog.AddTo(new LoopRegistry()).Add(loop));
            var started = await engine.StartAsync(new StartLoopRequest { LoopId = "demo.approval", AggregateId = "REQ-1", Actor = Actor.System("system:host") });
            Console.WriteLine($"started {started.LoopId}@{started.DefinitionVersion} in {started.CurrentState}");

            var pending = await engine.TransitionAsync(new TransitionRequest
            {
                AggregateId = "REQ-1",
                TransitionId = "approve",
                Actor = Actor.AiAgent("agent:claude", "claude-sonnet-4", "anthropic", 0.9),
                Evidence = Evidence.Parse("""{"amount":120}"""),
            });
            Console.WriteLine($"agent: {pending.Outcome}, still {pending.Instance.CurrentState}");

            var approved = await engine.ApproveAsync(new ApprovalRequest
            {
                RecommendationId = pending.Recommendation!.Id,
                Approver = Actor.Human("pat@example.com"),
                Evidence = Evidence.Parse("""{"amount":120}"""),
            });
            Console.WriteLine($"approved: {approved.Outcome} -> {approved.Instance.CurrentState} ({approved.Instance.Status}) by human:{approved.Record!.Actor.Id} recommended by {approved.Record.Recommender!.Id}");

            var trace = await engine.VerifyTraceAsync("REQ-1");
            Console.WriteLine($"trace: {(trace.IsValid ? "valid" : "INVALID " + trace.Message)}, {trace.RecordCount} records");

            var ticket = LoopCatalog.Load("support.ticket_resolution");
            var sla = ticket.GetState("ASSIGNED").Sla!;
            ticket.TryGetTransition(sla.BreachTransition!, out var escalate);
            Console.WriteLine($"catalogue: {ticket.Key} {escalate!.To} after PT{sla.MaxDwell.TotalHours}H in ASSIGNED");
            """");
    }

    private static XDocument ReadNuspec(string package, out List<string> entries)
    {
        using var zip = ZipFile.OpenRead(package);
        entries = zip.Entries.Select(e => e.FullName).ToList();
        var nuspec = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal));
        using var stream = nuspec.Open();
        return XDocument.Load(stream);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LoopEngine.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No LoopEngine.sln above {AppContext.BaseDirectory}.");
    }

    /// <summary>Runs the dotnet CLI and returns its standard output; a non-zero exit or a timeout fails with both outputs.</summary>
    private static async Task<string> RunAsync(string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The child is a user's CLI, not a node of the build that runs these tests.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || k.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";

        using var process = Process.Start(start)!;
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var readOut = Task.Run(async () => stdout.Append(await process.StandardOutput.ReadToEndAsync()));
        var readErr = Task.Run(async () => stderr.Append(await process.StandardError.ReadToEndAsync()));
        using var timeout = new CancellationTokenSource(StepTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet {string.Join(' ', arguments)} did not finish within {StepTimeout}.");
        }

        await Task.WhenAll(readOut, readErr);
        process.ExitCode.Should().Be(0, $"dotnet {string.Join(' ', arguments)} failed:\n{stdout}\n{stderr}");
        return stdout.ToString().ReplaceLineEndings("\n");
    }
}
