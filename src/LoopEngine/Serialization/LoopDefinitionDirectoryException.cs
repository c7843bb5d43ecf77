namespace LoopEngine;

/// <summary>One or more files in a directory of loop definitions are invalid; <see cref="Failures"/> has each file's problems.</summary>
public sealed class LoopDefinitionDirectoryException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="directory">The directory that was loaded.</param>
    /// <param name="failures">One exception per invalid file, each naming the file and listing its problems.</param>
    public LoopDefinitionDirectoryException(string directory, IReadOnlyList<LoopDefinitionException> failures)
        : base(FormatMessage(directory, failures))
    {
        Directory = directory;
        Failures = failures;
    }

    /// <summary>Gets the directory that was loaded.</summary>
    public string Directory { get; }

    /// <summary>Gets one exception per invalid file, in file name order.</summary>
    public IReadOnlyList<LoopDefinitionException> Failures { get; }

    private static string FormatMessage(string directory, IReadOnlyList<LoopDefinitionException> failures) =>
        $"{failures.Count} loop definition file{(failures.Count == 1 ? " is" : "s are")} invalid in '{directory}':"
        + string.Concat(failures.Select(f => Environment.NewLine + f.Message));
}
