using System.Text.Json;
using System.Text.Json.Serialization;

namespace LoopEngine.Learning;

/// <summary>Source-generated JSON for learning records (camelCase, nulls omitted).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(LearningRecord))]
[JsonSerializable(typeof(LearningOutcome))]
internal sealed partial class LearningJsonContext : JsonSerializerContext;
