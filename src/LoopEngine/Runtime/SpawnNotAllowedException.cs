namespace LoopEngine;

/// <summary>A loop tried to spawn a child loop its definition does not list (in <see cref="LoopDefinition.SpawnableLoops"/> or the transition's <see cref="TransitionSpec.Spawns"/>).</summary>
public sealed class SpawnNotAllowedException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">The message, naming the value and the valid alternatives.</param>
    public SpawnNotAllowedException(string message)
        : base(message)
    {
    }
}
