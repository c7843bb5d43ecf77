namespace Scm.Replenishment;

/// <summary>A clock the story moves by hand, so every run prints the same times.</summary>
internal sealed class SimulatedClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Set(DateTimeOffset time) => _now = time;
}
