using System.Reflection;

namespace LoopEngine;

/// <summary>
/// The loops shipped with the engine, embedded as YAML resources (<c>LoopEngine.Catalog.*.yaml</c>): every embedded
/// file is discovered, so adding a file to <c>Catalog/</c> adds a loop.
/// </summary>
public static class LoopCatalog
{
    private const string ResourcePrefix = "LoopEngine.Catalog.";

    private static readonly Lazy<LoopRegistry> Loaded = new(LoadAll, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Gets the <c>id@version</c> keys of every catalogue loop, by id and then ascending version.</summary>
    /// <exception cref="LoopDefinitionException">An embedded catalogue file is invalid (a packaging error).</exception>
    public static IReadOnlyList<string> Available => [.. Loaded.Value.All.Select(d => d.Key)];

    /// <summary>Loads a catalogue loop: the named version, or the latest when <paramref name="version"/> is <see langword="null"/>.</summary>
    /// <param name="loopId">The loop id (<c>scm.procurement</c>).</param>
    /// <param name="version">The version, or <see langword="null"/> for the latest.</param>
    /// <returns>The definition.</returns>
    /// <exception cref="UnknownLoopException">The catalogue has no such loop or version; the message lists what it has.</exception>
    public static LoopDefinition Load(string loopId, string? version = null) => Loaded.Value.Get(loopId, version);

    /// <summary>Adds every catalogue loop to a registry.</summary>
    /// <param name="registry">The registry.</param>
    /// <returns>The registry.</returns>
    /// <exception cref="LoopVersionConflictException">The registry holds a different definition under a catalogue loop's id and version.</exception>
    public static LoopRegistry AddTo(LoopRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        foreach (var definition in Loaded.Value.All)
        {
            registry.Add(definition);
        }

        return registry;
    }

    private static LoopRegistry LoadAll()
    {
        var assembly = typeof(LoopCatalog).Assembly;
        var registry = new LoopRegistry();
        foreach (var name in assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal) && (n.EndsWith(".yaml", StringComparison.Ordinal) || n.EndsWith(".yml", StringComparison.Ordinal)))
            .Order(StringComparer.Ordinal))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            registry.Add(LoopDefinitionSerializer.Load(stream, DefinitionFormat.Yaml, "catalog:" + name[ResourcePrefix.Length..]));
        }

        return registry;
    }
}
