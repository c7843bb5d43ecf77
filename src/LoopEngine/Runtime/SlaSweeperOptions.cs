using System.ComponentModel.DataAnnotations;

namespace LoopEngine;

/// <summary>Options of the <see cref="SlaSweeper"/>.</summary>
public sealed class SlaSweeperOptions
{
    /// <summary>Gets or sets how often the sweeper looks for due timers.</summary>
    /// <value>The default is 30 seconds.</value>
    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets how many due timers one claim takes.</summary>
    /// <value>The default is 100.</value>
    [Range(1, 10_000)]
    public int BatchSize { get; set; } = 100;

    /// <summary>Gets or sets how long a claimed timer stays with this sweeper before another may claim it (when this one died or stalled).</summary>
    /// <value>The default is 5 minutes.</value>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Gets or sets the sweeper's owner id in leases, or <see langword="null"/> for <c>{machine}:{process id}:{n}</c>.</summary>
    /// <value>The default is <see langword="null"/>.</value>
    [StringLength(200, MinimumLength = 1)]
    public string? OwnerId { get; set; }
}
