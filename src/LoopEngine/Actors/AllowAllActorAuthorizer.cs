namespace LoopEngine;

/// <summary>The default authorizer: every actor holds every role.</summary>
public sealed class AllowAllActorAuthorizer : IActorAuthorizer
{
    /// <summary>Gets the shared instance.</summary>
    public static AllowAllActorAuthorizer Instance { get; } = new();

    /// <inheritdoc/>
    public ValueTask<bool> IsAuthorizedAsync(AuthorizationArguments arguments) => ValueTask.FromResult(true);
}
