using LoopEngine.TestSupport;

namespace LoopEngine.Mcp.Tests.TestSupport;

/// <summary>
/// A fact that needs Node.js, the tests/node packages (with <c>@modelcontextprotocol/sdk</c>) and the built gateway:
/// skipped with the reason on a developer's machine, run (and failing) when CI=true.
/// </summary>
public sealed class McpNodeFactAttribute : FactAttribute
{
    /// <summary>Creates the attribute.</summary>
    public McpNodeFactAttribute()
    {
        if (!InteropPaths.IsCi && NodeClient.UnavailableReason is { } reason)
        {
            Skip = reason;
        }
    }
}
