using System.Diagnostics;

namespace LoopEngine.Conformance;

/// <summary>Starts LoopEngine.TestHost (built next to the test project) as a child process.</summary>
public static class TestHostProcess
{
    /// <summary>Gets the path of LoopEngine.TestHost.dll for the running test assembly's configuration.</summary>
    public static string DllPath
    {
        get
        {
            // <repo>/tests/<Project>/bin/<Configuration>/net10.0/
            var baseDirectory = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var configuration = baseDirectory.Parent!.Name;
            var path = Path.GetFullPath(Path.Combine(baseDirectory.FullName, "..", "..", "..", "..", "LoopEngine.TestHost", "bin", configuration, "net10.0", "LoopEngine.TestHost.dll"));
            return File.Exists(path) ? path : throw new FileNotFoundException($"LoopEngine.TestHost was not built for {configuration}: expected {path}. Build the test project (it references the host).", path);
        }
    }

    /// <summary>Starts the host with arguments; each output line goes to <paramref name="onLine"/>.</summary>
    public static Process Start(Action<string> onLine, IDictionary<string, string>? environment = null, params string[] arguments)
    {
        ArgumentNullException.ThrowIfNull(onLine);
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(DllPath);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                onLine(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                onLine("ERR " + e.Data);
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }
}
