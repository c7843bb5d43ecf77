namespace LoopEngine.TestSupport;

/// <summary>A theory that needs the interop folder; see <see cref="InteropFactAttribute"/>.</summary>
public sealed class InteropTheoryAttribute : TheoryAttribute
{
    /// <summary>Creates the attribute.</summary>
    public InteropTheoryAttribute()
    {
        if (InteropPaths.Directory is null && !InteropPaths.IsCi)
        {
            Skip = "Interop folder missing: " + InteropPaths.MissingReason;
        }
    }
}
