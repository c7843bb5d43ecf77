using System.Globalization;
using System.Text.Json;
using YamlDotNet.RepresentationModel;

namespace LoopEngine.Signals;

/// <summary>
/// Loads signal definitions from JSON or YAML: <c>{ "signals": [ { "type", "subject", "features", "rule", "threshold",
/// "cooldown", "attributes", "calibration" } ] }</c>. Strict: unknown keys and wrong kinds are errors, each reported
/// with its path (<c>$.signals[0].rule.kind</c>). Custom rules and extractors exist only in code.
/// </summary>
public static class SignalDefinitionLoader
{
    private static readonly string[] SignalKeys = ["type", "subject", "features", "rule", "threshold", "cooldown", "attributes", "calibration"];

    /// <summary>Loads definitions from JSON.</summary>
    /// <param name="json">The JSON text.</param>
    /// <returns>The definitions.</returns>
    /// <exception cref="SignalDefinitionException">The text is invalid; every problem is listed with its path.</exception>
    public static IReadOnlyList<SignalDefinition> LoadJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowDuplicateProperties = false });
            return Load(document.RootElement);
        }
        catch (JsonException ex)
        {
            throw new SignalDefinitionException([$"$: not valid JSON: {ex.Message}"]);
        }
    }

    /// <summary>Loads definitions from YAML (the same shape as JSON).</summary>
    /// <param name="yaml">The YAML text.</param>
    /// <returns>The definitions.</returns>
    /// <exception cref="SignalDefinitionException">The text is invalid; every problem is listed with its path.</exception>
    public static IReadOnlyList<SignalDefinition> LoadYaml(string yaml)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlDotNet.Core.YamlException ex)
        {
            throw new SignalDefinitionException([$"$: not valid YAML: {ex.Message}"]);
        }

        if (stream.Documents.Count != 1)
        {
            throw new SignalDefinitionException(["$: expected exactly one YAML document"]);
        }

        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WriteYaml(writer, stream.Documents[0].RootNode);
        }

        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return Load(document.RootElement);
    }

    private static void WriteYaml(Utf8JsonWriter w, YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode map:
                w.WriteStartObject();
                foreach (var (key, value) in map.Children)
                {
                    w.WritePropertyName(((YamlScalarNode)key).Value ?? string.Empty);
                    WriteYaml(w, value);
                }

                w.WriteEndObject();
                break;
            case YamlSequenceNode seq:
                w.WriteStartArray();
                foreach (var item in seq.Children)
                {
                    WriteYaml(w, item);
                }

                w.WriteEndArray();
                break;
            case YamlScalarNode scalar:
                var text = scalar.Value ?? string.Empty;
                if (scalar.Style == YamlDotNet.Core.ScalarStyle.Plain && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
                {
                    w.WriteNumberValue(number);
                }
                else
                {
                    w.WriteStringValue(text);
                }

                break;
            default:
                w.WriteNullValue();
                break;
        }
    }

    private static List<SignalDefinition> Load(JsonElement root)
    {
        var problems = new List<string>();
        var result = new List<SignalDefinition>();
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new SignalDefinitionException(["$: expected an object with 'signals'"]);
        }

        CheckKeys(root, "$", ["signals"], problems);
        if (!root.TryGetProperty("signals", out var signals) || signals.ValueKind != JsonValueKind.Array)
        {
            problems.Add("$.signals: expected an array of signal definitions");
            throw new SignalDefinitionException(problems);
        }

        var i = 0;
        foreach (var item in signals.EnumerateArray())
        {
            var path = $"$.signals[{i++}]";
            try
            {
                if (LoadSignal(item, path, problems) is { } definition)
                {
                    result.Add(definition);
                }
            }
            catch (SignalDefinitionException ex)
            {
                problems.AddRange(ex.Problems);
            }
        }

        if (problems.Count > 0)
        {
            throw new SignalDefinitionException(problems);
        }

        return result;
    }

    private static SignalDefinition? LoadSignal(JsonElement e, string path, List<string> problems)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            problems.Add($"{path}: expected an object");
            return null;
        }

        var before = problems.Count;
        CheckKeys(e, path, SignalKeys, problems);
        var type = String(e, "type", path, problems, required: true) ?? string.Empty;
        var builder = new SignalDefinitionBuilder(type);
        builder.For([.. Strings(e, "subject", path, problems, required: true)]);
        if (e.TryGetProperty("features", out var features) && features.ValueKind == JsonValueKind.Object)
        {
            foreach (var f in features.EnumerateObject())
            {
                var at = $"{path}.features.{f.Name}";
                try
                {
                    if (f.Value.ValueKind == JsonValueKind.String)
                    {
                        builder.Feature(FeatureDefinition.Parse(f.Name, f.Value.GetString()!));
                    }
                    else if (f.Value.ValueKind == JsonValueKind.Object)
                    {
                        CheckKeys(f.Value, at, ["expr", "default"], problems);
                        var feature = FeatureDefinition.Parse(f.Name, String(f.Value, "expr", at, problems, required: true) ?? "?");
                        if (Number(f.Value, "default", at, problems) is { } d)
                        {
                            feature = feature.OrDefault(d);
                        }

                        builder.Feature(feature);
                    }
                    else
                    {
                        problems.Add($"{at}: expected an expression or {{ expr, default }}");
                    }
                }
                catch (FormatException ex)
                {
                    problems.Add($"{at}: {ex.Message}");
                }
            }
        }
        else
        {
            problems.Add($"{path}.features: expected an object of named feature expressions");
        }

        if (e.TryGetProperty("rule", out var rule) && rule.ValueKind == JsonValueKind.Object)
        {
            if (LoadRule(rule, $"{path}.rule", problems) is { } r)
            {
                builder.Score(r);
            }
        }
        else
        {
            problems.Add($"{path}.rule: expected an object with a 'kind'");
        }

        if (Number(e, "threshold", path, problems) is { } threshold)
        {
            builder.Threshold(threshold);
        }

        if (String(e, "cooldown", path, problems) is { } cooldown)
        {
            try
            {
                builder.Cooldown(FeatureExpressionParser.ParseDuration(cooldown, cooldown));
            }
            catch (FormatException ex)
            {
                problems.Add($"{path}.cooldown: {ex.Message}");
            }
        }

        builder.Carry([.. Strings(e, "attributes", path, problems, required: false)]);
        if (e.TryGetProperty("calibration", out var cal))
        {
            var at = $"{path}.calibration";
            CheckKeys(cal, at, ["targetPrecision", "window", "minSamples", "maxStep", "minChange", "shadowMargin", "minThreshold", "maxThreshold"], problems);
            var c = new SignalCalibration();
            c = c with
            {
                TargetPrecision = Number(cal, "targetPrecision", at, problems) ?? c.TargetPrecision,
                Window = (int)(Number(cal, "window", at, problems) ?? c.Window),
                MinSamples = (int)(Number(cal, "minSamples", at, problems) ?? c.MinSamples),
                MaxStep = Number(cal, "maxStep", at, problems) ?? c.MaxStep,
                MinChange = Number(cal, "minChange", at, problems) ?? c.MinChange,
                ShadowMargin = Number(cal, "shadowMargin", at, problems) ?? c.ShadowMargin,
                MinThreshold = Number(cal, "minThreshold", at, problems) ?? c.MinThreshold,
                MaxThreshold = Number(cal, "maxThreshold", at, problems) ?? c.MaxThreshold,
            };
            builder.Calibrate(c);
        }

        return problems.Count > before ? null : builder.BuildAt(path);
    }

    private static ScoringRule? LoadRule(JsonElement rule, string path, List<string> problems)
    {
        var kind = String(rule, "kind", path, problems, required: true);
        switch (kind)
        {
            case "threshold":
                CheckKeys(rule, path, ["kind", "feature", "threshold", "scale", "direction"], problems);
                var direction = String(rule, "direction", path, problems) ?? "above";
                if (direction is not ("above" or "below"))
                {
                    problems.Add($"{path}.direction: '{direction}' is not 'above' or 'below'");
                }

                return ScoringRule.Threshold(String(rule, "feature", path, problems, required: true) ?? "?", Number(rule, "threshold", path, problems, required: true) ?? 0, Number(rule, "scale", path, problems, required: true) ?? 1, direction == "below" ? ThresholdDirection.Below : ThresholdDirection.Above);
            case "zscore":
                CheckKeys(rule, path, ["kind", "feature", "center", "minObservations"], problems);
                return ScoringRule.ZScore(String(rule, "feature", path, problems, required: true) ?? "?", Number(rule, "center", path, problems) ?? 3, (int)(Number(rule, "minObservations", path, problems) ?? 10));
            case "dwell":
                CheckKeys(rule, path, ["kind", "feature", "sla"], problems);
                return ScoringRule.Dwell(String(rule, "feature", path, problems, required: true) ?? "?", Number(rule, "sla", path, problems, required: true) ?? 1);
            case "weighted":
                CheckKeys(rule, path, ["kind", "components"], problems);
                if (!rule.TryGetProperty("components", out var components) || components.ValueKind != JsonValueKind.Array)
                {
                    problems.Add($"{path}.components: expected an array");
                    return null;
                }

                var list = new List<WeightedComponent>();
                var i = 0;
                foreach (var c in components.EnumerateArray())
                {
                    var at = $"{path}.components[{i++}]";
                    var ck = String(c, "kind", at, problems, required: true);
                    var weight = Number(c, "weight", at, problems, required: true) ?? 0;
                    var feature = String(c, "feature", at, problems, required: true) ?? "?";
                    switch (ck)
                    {
                        case "shortfall":
                            CheckKeys(c, at, ["kind", "weight", "feature", "reference"], problems);
                            list.Add(WeightedComponent.Shortfall(weight, feature, String(c, "reference", at, problems, required: true) ?? "?"));
                            break;
                        case "excess":
                            CheckKeys(c, at, ["kind", "weight", "feature", "baseline", "saturationRatio"], problems);
                            list.Add(WeightedComponent.Excess(weight, feature, String(c, "baseline", at, problems, required: true) ?? "?", Number(c, "saturationRatio", at, problems, required: true) ?? 2));
                            break;
                        case "scaled":
                            CheckKeys(c, at, ["kind", "weight", "feature", "fullScale"], problems);
                            list.Add(WeightedComponent.Scaled(weight, feature, Number(c, "fullScale", at, problems, required: true) ?? 1));
                            break;
                        default:
                            problems.Add($"{at}.kind: '{ck}' is not shortfall, excess or scaled");
                            break;
                    }
                }

                return ScoringRule.Weighted([.. list]);
            case null:
                return null;
            default:
                problems.Add($"{path}.kind: '{kind}' is not threshold, zscore, dwell or weighted (custom rules exist only in code)");
                return null;
        }
    }

    private static void CheckKeys(JsonElement e, string path, string[] allowed, List<string> problems)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            problems.Add($"{path}: expected an object");
            return;
        }

        foreach (var p in e.EnumerateObject())
        {
            if (Array.IndexOf(allowed, p.Name) < 0)
            {
                problems.Add($"{path}.{p.Name}: unknown key; allowed: {string.Join(", ", allowed)}");
            }
        }
    }

    private static string? String(JsonElement e, string name, string path, List<string> problems, bool required = false)
    {
        if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(name, out var v))
        {
            if (required)
            {
                problems.Add($"{path}.{name}: required");
            }

            return null;
        }

        if (v.ValueKind != JsonValueKind.String)
        {
            problems.Add($"{path}.{name}: expected a string, found {v.ValueKind}");
            return null;
        }

        return v.GetString();
    }

    private static double? Number(JsonElement e, string name, string path, List<string> problems, bool required = false)
    {
        if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(name, out var v))
        {
            if (required)
            {
                problems.Add($"{path}.{name}: required");
            }

            return null;
        }

        if (v.ValueKind != JsonValueKind.Number)
        {
            problems.Add($"{path}.{name}: expected a number, found {v.ValueKind}");
            return null;
        }

        return v.GetDouble();
    }

    private static List<string> Strings(JsonElement e, string name, string path, List<string> problems, bool required)
    {
        var result = new List<string>();
        if (!e.TryGetProperty(name, out var v))
        {
            if (required)
            {
                problems.Add($"{path}.{name}: required");
            }

            return result;
        }

        if (v.ValueKind != JsonValueKind.Array)
        {
            problems.Add($"{path}.{name}: expected an array of strings");
            return result;
        }

        var i = 0;
        foreach (var item in v.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.String)
            {
                result.Add(item.GetString()!);
            }
            else
            {
                problems.Add($"{path}.{name}[{i}]: expected a string");
            }

            i++;
        }

        return result;
    }
}
