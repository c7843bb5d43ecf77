namespace LoopEngine;

/// <summary>Generates ids for events, recommendations and correlations. Injected so tests are deterministic.</summary>
public interface ILoopIdGenerator
{
    /// <summary>Creates a new id.</summary>
    /// <param name="prefix">A short prefix naming the kind of id (<c>evt</c>, <c>rec</c>, <c>corr</c>).</param>
    /// <returns>A new id, unique for the process' lifetime and, for the default generator, globally.</returns>
    string NewId(string prefix);
}
