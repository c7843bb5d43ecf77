namespace LoopEngine;

/// <summary>An instance to write, if the stored version equals <paramref name="ExpectedVersion"/>.</summary>
/// <param name="Instance">The new snapshot.</param>
/// <param name="ExpectedVersion">The version the writer read; 0 means the instance must not exist yet.</param>
public sealed record InstanceWrite(LoopInstance Instance, long ExpectedVersion)
{
    /// <summary>
    /// Gets the <see cref="LoopInstance.PendingRecommendationCount"/> the writer read, or <see langword="null"/> to check the
    /// version only. Storing, rejecting or expiring a recommendation changes the count without a new version, so a write
    /// based on an older count would otherwise pass the version check and undo it. A store refuses the commit as a version
    /// conflict, and writes nothing, when the stored count differs.
    /// </summary>
    public int? ExpectedPendingRecommendationCount { get; init; }

    /// <summary>Creates the write of <paramref name="updated"/> over <paramref name="read"/>: at its version and pending recommendation count.</summary>
    /// <param name="read">The instance as the writer read it.</param>
    /// <param name="updated">The new snapshot.</param>
    /// <returns>The write.</returns>
    internal static InstanceWrite Over(LoopInstance read, LoopInstance updated) =>
        new(updated, read.Version) { ExpectedPendingRecommendationCount = read.PendingRecommendationCount };
}
