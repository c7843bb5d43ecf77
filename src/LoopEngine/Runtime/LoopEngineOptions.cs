using System.ComponentModel.DataAnnotations;

namespace LoopEngine;

/// <summary>Options of the loop engine, validated when the host starts.</summary>
public sealed class LoopEngineOptions
{
    /// <summary>Gets or sets the org used when a request names none.</summary>
    /// <value>The default is <c>default</c>.</value>
    [Required]
    [StringLength(200, MinimumLength = 1)]
    public string DefaultOrgId { get; set; } = "default";

    /// <summary>Gets or sets the largest evidence payload accepted, in bytes.</summary>
    /// <value>The default is 65,536 bytes.</value>
    [Range(1, 16 * 1024 * 1024)]
    public int MaxEvidenceBytes { get; set; } = Evidence.DefaultMaxBytes;

    /// <summary>Gets or sets the deepest evidence nesting accepted.</summary>
    /// <value>The default is 32.</value>
    [Range(1, 256)]
    public int MaxEvidenceDepth { get; set; } = Evidence.DefaultMaxDepth;

    /// <summary>Gets or sets how long a recommendation stays open when its transition names no time-to-live.</summary>
    /// <value>The default is 24 hours.</value>
    [Range(typeof(TimeSpan), "00:00:01", "365.00:00:00")]
    public TimeSpan DefaultRecommendationTtl { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Gets or sets how often a request without an expected version is re-evaluated after losing a race on its aggregate.</summary>
    /// <value>The default is 64.</value>
    [Range(0, 10_000)]
    public int MaxConflictRetries { get; set; } = 64;

    /// <summary>
    /// Gets or sets how many loop instances the engine keeps as it last wrote them, so that the next request on one starts
    /// without reading it from the store (0 turns this off). A kept instance is only where a request starts: the store's
    /// version check refuses a commit built on one that another writer (another engine or process) changed since, and the
    /// engine then reads the instance and decides again; a request that would be refused, or that names another expected
    /// version, is decided again on a fresh read before anything is written. Not used over <see cref="InMemoryLoopStore"/>,
    /// whose reads cost no more than the lookup.
    /// </summary>
    /// <value>The default is 10,000.</value>
    [Range(0, 10_000_000)]
    public int InstanceCacheCapacity { get; set; } = 10_000;

    /// <summary>Gets or sets how many configured state machines are kept per definition for concurrent requests.</summary>
    /// <value>The default is 16.</value>
    [Range(1, 1024)]
    public int MachinePoolSize { get; set; } = 16;

    /// <summary>
    /// Gets the aggregate id patterns of spawned child loops, by child loop id (<c>scm.procurement</c> →
    /// <c>PO-{yyyy}-{seq:0000}</c>); see <see cref="AggregateIdPattern"/>. A child loop without an entry uses
    /// <see cref="DefaultSpawnAggregateIdPattern"/>.
    /// </summary>
    /// <value>Empty by default.</value>
    public IDictionary<string, string> SpawnAggregateIdPatterns { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Gets or sets the aggregate id pattern of spawned child loops without their own entry; <c>{loopId}</c> is replaced by the child loop id.</summary>
    /// <value>The default is <c>{loopId}-{yyyy}-{seq:000000}</c>.</value>
    [Required]
    [StringLength(200, MinimumLength = 5)]
    public string DefaultSpawnAggregateIdPattern { get; set; } = "{loopId}-{yyyy}-{seq:000000}";
}
