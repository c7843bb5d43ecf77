namespace LoopEngine;

/// <summary>
/// Host-supplied check of an actor's roles or permissions (<c>po.approve</c>) for transitions that require them.
/// The default authorizer allows every actor; a host with roles registers its own.
/// </summary>
public interface IActorAuthorizer
{
    /// <summary>Decides whether an actor holds the roles a transition requires.</summary>
    /// <param name="arguments">The actor, the loop, the transition and the roles.</param>
    /// <returns><see langword="true"/> to allow.</returns>
    ValueTask<bool> IsAuthorizedAsync(AuthorizationArguments arguments);
}
