using System.ComponentModel;
using System.Text.Json.Nodes;
using ModelContextProtocol.Server;

namespace LoopEngine.Mcp;

/// <summary>Resources: every registered definition as JSON and YAML in the reference format, and as a Mermaid diagram.</summary>
[McpServerResourceType]
internal sealed class LoopDefinitionResources(LoopGateway gateway)
{
    /// <summary>The URI of the resource listing every definition.</summary>
    public const string IndexUri = "loopengine://definitions";

    [McpServerResource(UriTemplate = IndexUri, Name = "loop_definitions", Title = "Loop definitions", MimeType = "application/json")]
    [Description("Every registered loop definition (id, version, description) with the URIs of its JSON, YAML and Mermaid resources.")]
    public string Index() => new JsonObject
    {
        ["definitions"] = new JsonArray([.. gateway.Engine.GetDefinitions().Select(d => (JsonNode)new JsonObject
        {
            ["id"] = d.Id,
            ["version"] = d.Version,
            ["description"] = d.Description,
            ["json"] = $"loopengine://definitions/{d.Id}/{d.Version}/json",
            ["yaml"] = $"loopengine://definitions/{d.Id}/{d.Version}/yaml",
            ["mermaid"] = $"loopengine://diagrams/{d.Id}/{d.Version}/mermaid",
        })]),
    }.ToJsonString();

    [McpServerResource(UriTemplate = "loopengine://definitions/{loop_id}/{version}/json", Name = "loop_definition_json", Title = "Loop definition (JSON)", MimeType = "application/json")]
    [Description("A loop definition in the reference JSON format, with metadata.loopengine (policy, evidence, SLAs).")]
    public string DefinitionJson(
        [Description("The loop id, for example 'scm.procurement'.")] string loop_id,
        [Description("The version, for example '2.0.0'.")] string version) =>
        LoopDefinitionSerializer.ToJson(gateway.RequireDefinition(loop_id, RequireVersion(version)));

    [McpServerResource(UriTemplate = "loopengine://definitions/{loop_id}/{version}/yaml", Name = "loop_definition_yaml", Title = "Loop definition (YAML)", MimeType = "application/yaml")]
    [Description("A loop definition in the reference YAML format, with metadata.loopengine (policy, evidence, SLAs).")]
    public string DefinitionYaml(
        [Description("The loop id, for example 'scm.procurement'.")] string loop_id,
        [Description("The version, for example '2.0.0'.")] string version) =>
        LoopDefinitionSerializer.ToYaml(gateway.RequireDefinition(loop_id, RequireVersion(version)));

    [McpServerResource(UriTemplate = "loopengine://diagrams/{loop_id}/{version}/mermaid", Name = "loop_diagram", Title = "Loop diagram (Mermaid)", MimeType = "text/vnd.mermaid")]
    [Description("A loop as a Mermaid stateDiagram-v2: transitions labelled with guards and allowed actors, terminal and error states marked.")]
    public string Diagram(
        [Description("The loop id, for example 'scm.procurement'.")] string loop_id,
        [Description("The version, for example '2.0.0'.")] string version) =>
        gateway.RequireDefinition(loop_id, RequireVersion(version)).ToMermaid();

    private static string RequireVersion(string version) =>
        string.IsNullOrWhiteSpace(version) ? throw new ModelContextProtocol.McpException("version is required, for example '2.0.0'.") : version;
}
