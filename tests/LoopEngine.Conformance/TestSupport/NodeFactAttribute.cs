namespace LoopEngine.TestSupport;

/// <summary>A fact that needs Node.js, the tests/node packages and the interop schemas: skipped with the reason on a developer's machine, run (and failing) when CI=true.</summary>
public sealed class NodeFactAttribute : FactAttribute
{
    /// <summary>Creates the attribute.</summary>
    public NodeFactAttribute()
    {
        if (InteropPaths.IsCi)
        {
            return;
        }

        var reason = NodeTools.UnavailableReason ?? (InteropPaths.Directory is null ? InteropPaths.MissingReason : null);
        if (reason is not null)
        {
            Skip = reason;
        }
    }
}
