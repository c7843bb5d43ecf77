using System.ComponentModel.DataAnnotations;

namespace LoopEngine;

/// <summary>Options of the in-process event dispatcher.</summary>
public sealed class LoopEventDispatcherOptions
{
    /// <summary>Gets or sets how many times a failing event is tried before it is parked.</summary>
    /// <value>The default is 5.</value>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Gets or sets the first retry delay; each retry doubles it.</summary>
    /// <value>The default is 200 milliseconds.</value>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan InitialRetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Gets or sets the longest a handler waits for new events before polling the store again.</summary>
    /// <value>The default is 1 second.</value>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);
}
