namespace LoopEngine;

/// <summary>A document could not be read at all (syntax, limits); carries the one problem found.</summary>
internal sealed class DocReadException : Exception
{
    public DocReadException(string path, string message, int? line, Exception? inner = null)
        : base(message, inner)
    {
        Problem = new DefinitionProblem(path, message, line);
    }

    public DefinitionProblem Problem { get; }
}
