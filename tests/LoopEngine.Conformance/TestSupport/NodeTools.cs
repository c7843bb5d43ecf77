using System.Diagnostics;
using System.Text.Json;

namespace LoopEngine.TestSupport;

/// <summary>
/// Runs the Node tools in tests/node (installed by .ci/run with npm ci). Absent Node or packages skip a test on a
/// developer's machine and fail it when CI=true.
/// </summary>
public static class NodeTools
{
    /// <summary>Gets the tests/node folder, or <see langword="null"/> when the repository root cannot be found.</summary>
    public static string? Folder => InteropPaths.RepositoryRoot is { } root ? Path.Combine(root, "tests", "node") : null;

    /// <summary>Gets why the Node tools cannot run, or <see langword="null"/> when they can.</summary>
    public static string? UnavailableReason
    {
        get
        {
            if (Folder is not { } folder || !Directory.Exists(Path.Combine(folder, "node_modules", "ajv")))
            {
                return "The Node packages in tests/node are not installed (run: npm ci --prefix tests/node).";
            }

            return FindNode() is null ? "Node.js is not on the PATH." : null;
        }
    }

    /// <summary>Validates JSON documents against a schema with ajv; returns one result per document.</summary>
    /// <param name="schemaPath">The schema file.</param>
    /// <param name="documents">The JSON documents.</param>
    /// <returns>For each document, whether it is valid and ajv's errors.</returns>
    public static IReadOnlyList<(bool Valid, string Errors)> Validate(string schemaPath, IEnumerable<string> documents)
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllLines(file, documents);
            var start = new ProcessStartInfo(FindNode()!, [Path.Combine(Folder!, "validate.mjs"), schemaPath, file])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = Folder!,
            };
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEnd();
            var error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"node validate.mjs failed ({process.ExitCode}): {error}");
            }

            return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line =>
            {
                using var doc = JsonDocument.Parse(line);
                return (doc.RootElement.GetProperty("valid").GetBoolean(), doc.RootElement.GetProperty("errors").ToString());
            }).ToList();
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static string? FindNode() =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator)
            .Select(dir => Path.Combine(dir, "node"))
            .FirstOrDefault(File.Exists);
}
