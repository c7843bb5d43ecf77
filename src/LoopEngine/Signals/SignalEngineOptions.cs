using System.ComponentModel.DataAnnotations;

namespace LoopEngine.Signals;

/// <summary>Options of the signal engine, validated when it is built (and when the host starts).</summary>
public sealed class SignalEngineOptions
{
    /// <summary>Gets or sets the org signals and triggered loops belong to.</summary>
    /// <value>The default is <c>default</c>.</value>
    [Required]
    [StringLength(200, MinimumLength = 1)]
    public string OrgId { get; set; } = "default";

    /// <summary>Gets or sets how far behind the newest event time (the watermark) an event may be and still be placed in its window; older ones are counted and dropped. Duplicate ids are remembered for this long.</summary>
    /// <value>The default is 5 minutes.</value>
    [Range(typeof(TimeSpan), "00:00:00", "30.00:00:00")]
    public TimeSpan AllowedLateness { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Gets or sets the most subjects kept per feature and per signal; when full, a subject not used recently is evicted (CLOCK, a second-chance approximation of least recently used).</summary>
    /// <value>The default is 10,000.</value>
    [Range(1, 100_000_000)]
    public int MaxSubjects { get; set; } = 10_000;

    /// <summary>Gets or sets the most event ids remembered for de-duplication (a bound on top of the lateness window).</summary>
    /// <value>The default is 1,000,000.</value>
    [Range(1, 100_000_000)]
    public int MaxTrackedEventIds { get; set; } = 1_000_000;

    /// <summary>Gets or sets what happens to unknown event types.</summary>
    /// <value>The default is <see cref="UnknownEventTypeHandling.Ignore"/>.</value>
    public UnknownEventTypeHandling UnknownEventTypes { get; set; } = UnknownEventTypeHandling.Ignore;

    /// <summary>Gets or sets the capacity of the ingestion channel; writers wait when it is full.</summary>
    /// <value>The default is 10,000.</value>
    [Range(1, 10_000_000)]
    public int ChannelCapacity { get; set; } = 10_000;
}
