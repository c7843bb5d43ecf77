using System.Diagnostics;
using LoopEngine.TestSupport;

namespace LoopEngine.Mcp.Tests.TestSupport;

/// <summary>Runs tests/node/mcp-client.mjs (the official TypeScript MCP SDK) against the built CommerceGateway.dll.</summary>
internal static class NodeClient
{
    /// <summary>Gets the built gateway, next to this test's output: samples/CommerceGateway/bin/&lt;configuration&gt;/net10.0/CommerceGateway.dll.</summary>
    public static string? GatewayDll
    {
        get
        {
            if (InteropPaths.RepositoryRoot is not { } root)
            {
                return null;
            }

            // AppContext.BaseDirectory is tests/LoopEngine.Mcp.Tests/bin/<configuration>/<tfm>/.
            var tfm = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var configuration = tfm.Parent?.Name ?? "Debug";
            return Path.Combine(root, "samples", "CommerceGateway", "bin", configuration, tfm.Name, "CommerceGateway.dll");
        }
    }

    public static string? UnavailableReason
    {
        get
        {
            if (NodeTools.Folder is not { } folder || !Directory.Exists(Path.Combine(folder, "node_modules", "@modelcontextprotocol", "sdk")))
            {
                return "The Node packages in tests/node are not installed (run: npm ci --prefix tests/node).";
            }

            if (FindOnPath("node") is null)
            {
                return "Node.js is not on the PATH.";
            }

            return GatewayDll is { } dll && File.Exists(dll) ? null : $"The gateway is not built at {GatewayDll}.";
        }
    }

    public static (int ExitCode, string Output, string Error) Run(TimeSpan timeout)
    {
        var start = new ProcessStartInfo(FindOnPath("node") ?? "node", [Path.Combine(NodeTools.Folder!, "mcp-client.mjs"), GatewayDll!])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = NodeTools.Folder!,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"mcp-client.mjs did not finish within {timeout}: {error.Result}");
        }

        return (process.ExitCode, output.Result, error.Result);
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
}
