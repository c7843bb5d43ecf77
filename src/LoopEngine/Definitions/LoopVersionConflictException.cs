namespace LoopEngine;

/// <summary>A different definition is already registered under the same loop id and version.</summary>
public sealed class LoopVersionConflictException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="key">The <c>id@version</c> key.</param>
    public LoopVersionConflictException(string key)
        : base($"A different definition of '{key}' is already registered. A published version never changes: give the new definition a higher version.")
    {
        Key = key;
    }

    /// <summary>Gets the conflicting <c>id@version</c> key.</summary>
    public string Key { get; }
}
