namespace LoopEngine.TestSupport;

/// <summary>
/// Finds the reference implementation's interop folder (<c>loops/</c>, <c>schemas/</c>): the environment variable
/// <c>LOOPENGINE_INTEROP_DIR</c> when set, otherwise <c>../shared/interop</c> next to the repository root (the folder
/// holding <c>LoopEngine.sln</c>), otherwise <c>shared/interop</c> beside any further ancestor (for git worktrees).
/// </summary>
public static class InteropPaths
{
    /// <summary>The environment variable that points at the interop folder.</summary>
    public const string EnvironmentVariable = "LOOPENGINE_INTEROP_DIR";

    private static readonly Lazy<(string? Directory, string Reason)> Resolved = new(Resolve);

    /// <summary>Gets a value indicating whether tests run on CI (<c>CI=true</c>), where a missing folder fails instead of skipping.</summary>
    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Gets the repository root (the folder holding <c>LoopEngine.sln</c>), or <see langword="null"/>.</summary>
    public static string? RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>Gets the interop folder, or <see langword="null"/> when it cannot be found.</summary>
    public static string? Directory => Resolved.Value.Directory;

    /// <summary>Gets why the folder is missing (empty when found).</summary>
    public static string MissingReason => Resolved.Value.Reason;

    /// <summary>Gets the folder of reference loop definitions.</summary>
    public static string LoopsDirectory => Path.Combine(Require(), "loops");

    /// <summary>Gets the folder of reference JSON schemas.</summary>
    public static string SchemasDirectory => Path.Combine(Require(), "schemas");

    /// <summary>Gets the interop folder, or throws with the reason it is missing.</summary>
    /// <returns>The folder.</returns>
    /// <exception cref="InvalidOperationException">The folder is missing.</exception>
    public static string Require() => Directory ?? throw new InvalidOperationException(MissingReason);

    /// <summary>Gets the reference loop files (<c>*.yaml</c>) as theory data: file name only.</summary>
    /// <returns>One row per file.</returns>
    public static TheoryData<string> LoopFileNames()
    {
        var data = new TheoryData<string>();
        foreach (var file in System.IO.Directory.GetFiles(LoopsDirectory, "*.yaml").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    private static string? FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LoopEngine.sln")))
            {
                return dir.FullName;
            }
        }

        return null;
    }

    private static (string?, string) Resolve()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return System.IO.Directory.Exists(Path.Combine(fromEnvironment, "loops"))
                ? (Path.GetFullPath(fromEnvironment), string.Empty)
                : (null, $"{EnvironmentVariable}='{fromEnvironment}' has no loops/ folder.");
        }

        if (RepositoryRoot is null)
        {
            return (null, $"No LoopEngine.sln above {AppContext.BaseDirectory}, and {EnvironmentVariable} is not set.");
        }

        for (var dir = Directory(RepositoryRoot); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "interop");
            if (System.IO.Directory.Exists(Path.Combine(candidate, "loops")))
            {
                return (candidate, string.Empty);
            }
        }

        return (null, $"The interop folder ../shared/interop was not found next to {RepositoryRoot}; set {EnvironmentVariable} to the folder holding loops/ and schemas/.");

        static DirectoryInfo? Directory(string root) => new DirectoryInfo(root).Parent;
    }
}
