namespace LoopEngine;

/// <summary>An instance to write, if the stored version equals <paramref name="ExpectedVersion"/>.</summary>
/// <param name="Instance">The new snapshot.</param>
/// <param name="ExpectedVersion">The version the writer read; 0 means the instance must not exist yet.</param>
public sealed record InstanceWrite(LoopInstance Instance, long ExpectedVersion);
