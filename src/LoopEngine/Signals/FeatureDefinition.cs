using System.Globalization;

namespace LoopEngine.Signals;

/// <summary>
/// A feature of a signal: a windowed aggregate, the latest value of a field, a reference value or a custom extraction,
/// grouped by subject keys. Immutable; create with the factories or <see cref="Parse"/>
/// (<c>sum(sale_recorded.qty) over 1h</c>, <c>last(stock_movement.on_hand)</c>, <c>ref(reorder_point)</c>).
/// </summary>
public sealed record FeatureDefinition
{
    private FeatureDefinition(string name, FeatureKind kind)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        Kind = kind;
    }

    /// <summary>Gets the feature's name, unique within its signal.</summary>
    public string Name { get; }

    /// <summary>Gets how the feature gets its value.</summary>
    public FeatureKind Kind { get; }

    /// <summary>Gets the event type that feeds it (<see langword="null"/> for reference values).</summary>
    public string? EventType { get; init; }

    /// <summary>Gets the numeric payload field read (<see langword="null"/> for <c>count</c>, a custom extractor or a reference value).</summary>
    public string? Field { get; init; }

    /// <summary>Gets the custom extractor, or <see langword="null"/>.</summary>
    public FeatureExtractor? Extractor { get; init; }

    /// <summary>Gets the aggregate of a windowed feature.</summary>
    public WindowAggregate Aggregate { get; init; }

    /// <summary>Gets the window length of a windowed feature.</summary>
    public TimeSpan Window { get; init; }

    /// <summary>Gets the bucket step of a sliding window (the window's resolution).</summary>
    /// <value>The default is <see cref="TimeSpan.Zero"/>: one twelfth of the window for sliding windows.</value>
    public TimeSpan Step { get; init; }

    /// <summary>Gets whether the window is tumbling or sliding.</summary>
    public WindowKind WindowKind { get; init; }

    /// <summary>Gets the reference data name of a reference feature.</summary>
    public string? ReferenceName { get; init; }

    /// <summary>Gets the subject keys it groups by, or <see langword="null"/> for the signal's subject keys. An event without them does not feed the feature.</summary>
    public IReadOnlyList<string>? GroupBy { get; init; }

    /// <summary>Gets the value used when the subject has none, or <see langword="null"/> (the feature is then missing and the rule may not score).</summary>
    public double? DefaultValue { get; init; }

    /// <summary>Creates a windowed aggregate of a payload field.</summary>
    /// <param name="name">The feature's name.</param>
    /// <param name="aggregate">The aggregate.</param>
    /// <param name="eventType">The event type.</param>
    /// <param name="field">The numeric field (ignored for <see cref="WindowAggregate.Count"/>; may be <see langword="null"/> then).</param>
    /// <param name="window">The window length.</param>
    /// <param name="kind">Tumbling or sliding.</param>
    /// <returns>The feature.</returns>
    public static FeatureDefinition Windowed(string name, WindowAggregate aggregate, string eventType, string? field, TimeSpan window, WindowKind kind = WindowKind.Sliding) =>
        new(name, FeatureKind.Windowed) { Aggregate = aggregate, EventType = eventType, Field = field, Window = window, WindowKind = kind };

    /// <summary>Creates a windowed aggregate of values read by a custom extractor.</summary>
    /// <param name="name">The feature's name.</param>
    /// <param name="aggregate">The aggregate.</param>
    /// <param name="eventType">The event type.</param>
    /// <param name="extractor">Reads the value from an event.</param>
    /// <param name="window">The window length.</param>
    /// <param name="kind">Tumbling or sliding.</param>
    /// <returns>The feature.</returns>
    public static FeatureDefinition Windowed(string name, WindowAggregate aggregate, string eventType, FeatureExtractor extractor, TimeSpan window, WindowKind kind = WindowKind.Sliding) =>
        new(name, FeatureKind.Windowed) { Aggregate = aggregate, EventType = eventType, Extractor = extractor ?? throw new ArgumentNullException(nameof(extractor)), Window = window, WindowKind = kind };

    /// <summary>Creates the latest value (by occurred-at) of a payload field.</summary>
    /// <param name="name">The feature's name.</param>
    /// <param name="eventType">The event type.</param>
    /// <param name="field">The numeric field.</param>
    /// <returns>The feature.</returns>
    public static FeatureDefinition Latest(string name, string eventType, string field) =>
        new(name, FeatureKind.Latest) { EventType = eventType, Field = field };

    /// <summary>Creates the latest value read by a custom extractor.</summary>
    /// <param name="name">The feature's name.</param>
    /// <param name="eventType">The event type.</param>
    /// <param name="extractor">Reads the value from an event.</param>
    /// <returns>The feature.</returns>
    public static FeatureDefinition Custom(string name, string eventType, FeatureExtractor extractor) =>
        new(name, FeatureKind.Latest) { EventType = eventType, Extractor = extractor ?? throw new ArgumentNullException(nameof(extractor)) };

    /// <summary>Creates a value from reference data.</summary>
    /// <param name="name">The feature's name.</param>
    /// <param name="referenceName">The reference data name (<c>reorder_point</c>); <see langword="null"/> for the feature's name.</param>
    /// <returns>The feature.</returns>
    public static FeatureDefinition Reference(string name, string? referenceName = null) =>
        new(name, FeatureKind.Reference) { ReferenceName = referenceName ?? name };

    /// <summary>Returns a copy grouped by other subject keys.</summary>
    /// <param name="keys">The keys (at most four).</param>
    /// <returns>The copy.</returns>
    public FeatureDefinition By(params string[] keys) => this with { GroupBy = [.. keys] };

    /// <summary>Returns a copy with a default value.</summary>
    /// <param name="value">The value used when the subject has none.</param>
    /// <returns>The copy.</returns>
    public FeatureDefinition OrDefault(double value) => this with { DefaultValue = value };

    /// <summary>Returns a copy with a sliding step.</summary>
    /// <param name="step">The bucket step; it must divide the window.</param>
    /// <returns>The copy.</returns>
    public FeatureDefinition Every(TimeSpan step) => this with { Step = step, WindowKind = WindowKind.Sliding };

    /// <summary>
    /// Parses a feature expression: <c>AGG(EVENT.FIELD) over DURATION [every DURATION | tumbling] [by KEY, KEY]</c> with AGG one
    /// of count, sum, avg, min, max, last, rate (<c>count(EVENT)</c> needs no field), <c>last(EVENT.FIELD) [by ...]</c> without
    /// a window for the latest value, or <c>ref(NAME) [by ...]</c>. Durations are a number and a unit: ms, s, m, h, d.
    /// </summary>
    /// <param name="name">The feature's name.</param>
    /// <param name="expression">The expression.</param>
    /// <returns>The feature.</returns>
    /// <exception cref="FormatException">The expression is malformed; the message says where.</exception>
    public static FeatureDefinition Parse(string name, string expression) => FeatureExpressionParser.Parse(name, expression);

    /// <inheritdoc/>
    public override string ToString() => Kind switch
    {
        FeatureKind.Reference => $"ref({ReferenceName})",
        FeatureKind.Latest => $"last({EventType}.{Field ?? "<custom>"})",
        _ => string.Create(CultureInfo.InvariantCulture, $"{Aggregate.ToString().ToLowerInvariant()}({EventType}.{Field ?? "<custom>"}) over {Window} {WindowKind.ToString().ToLowerInvariant()}"),
    };
}
