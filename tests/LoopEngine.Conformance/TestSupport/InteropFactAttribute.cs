namespace LoopEngine.TestSupport;

/// <summary>
/// A fact that needs the interop folder (<see cref="InteropPaths"/>): skipped with the reason when the folder is
/// missing on a developer machine, but run (and failing) when <c>CI=true</c>.
/// </summary>
public sealed class InteropFactAttribute : FactAttribute
{
    /// <summary>Creates the attribute.</summary>
    public InteropFactAttribute()
    {
        if (InteropPaths.Directory is null && !InteropPaths.IsCi)
        {
            Skip = "Interop folder missing: " + InteropPaths.MissingReason;
        }
    }
}
