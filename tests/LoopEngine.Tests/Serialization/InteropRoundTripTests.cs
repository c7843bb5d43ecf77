using System.Text.Json;
using LoopEngine.Tests.TestSupport;
using LoopEngine.TestSupport;

namespace LoopEngine.Tests.Serialization;

public sealed class InteropRoundTripTests
{
    private static MiniJsonSchema Schema => MiniJsonSchema.Load(Path.Combine(InteropPaths.SchemasDirectory, "loop-definition.schema.json"));

    public static TheoryData<string> LoopFiles() => InteropPaths.LoopFileNames();

    public static TheoryData<string> CatalogLoops()
    {
        var data = new TheoryData<string>();
        foreach (var key in LoopCatalog.Available)
        {
            data.Add(key);
        }

        return data;
    }

    [InteropFact]
    public void LoopFiles_InteropFolder_HasTheFourReferenceLoops()
    {
        LoopFiles().Cast<object[]>().Select(row => (string)row[0]).Should().Contain(["procurement.yaml", "replenishment.yaml", "purchase-approval.yaml", "ticket-resolution.yaml"]);
    }

    [InteropTheory]
    [MemberData(nameof(LoopFiles))]
    public void LoadYaml_InteropLoop_RoundTripsThroughJsonAndYaml(string fileName)
    {
        var original = LoopDefinitionSerializer.LoadFile(Path.Combine(InteropPaths.LoopsDirectory, fileName));

        var json = LoopDefinitionSerializer.ToJson(original);
        var yaml = LoopDefinitionSerializer.ToYaml(original);

        LoopDefinitionSerializer.LoadJson(json).Should().Be(original);
        LoopDefinitionSerializer.LoadYaml(yaml).Should().Be(original);
        LoopDefinitionSerializer.ToJson(LoopDefinitionSerializer.LoadYaml(yaml)).Should().Be(json, "saving is deterministic");
        json.Should().NotContain("loopengine", "reference files use only defaults");
    }

    [InteropTheory]
    [MemberData(nameof(LoopFiles))]
    public void ToJson_InteropLoop_IsValidAgainstReferenceSchema(string fileName)
    {
        var definition = LoopDefinitionSerializer.LoadFile(Path.Combine(InteropPaths.LoopsDirectory, fileName));

        using var json = JsonDocument.Parse(LoopDefinitionSerializer.ToJson(definition));

        Schema.Validate(json.RootElement).Should().BeEmpty();
    }

    [InteropTheory]
    [MemberData(nameof(CatalogLoops))]
    public void ToJson_CatalogLoop_IsValidAgainstReferenceSchemaAndRoundTrips(string key)
    {
        var definition = LoopCatalog.Load(key.Split('@')[0], key.Split('@')[1]);
        var json = LoopDefinitionSerializer.ToJson(definition);

        using var document = JsonDocument.Parse(json);
        Schema.Validate(document.RootElement).Should().BeEmpty();
        LoopDefinitionSerializer.LoadJson(json).Should().Be(definition);
        LoopDefinitionSerializer.LoadYaml(LoopDefinitionSerializer.ToYaml(definition)).Should().Be(definition);
    }

    [InteropFact]
    public void ToJson_RichDefinition_IsValidAgainstReferenceSchema()
    {
        using var json = JsonDocument.Parse(LoopDefinitionSerializer.ToJson(TestDefinitions.Rich()));

        Schema.Validate(json.RootElement).Should().BeEmpty();
    }

    [InteropFact]
    public void Validate_SchemaViolations_AreFoundByTheChecker()
    {
        using var json = JsonDocument.Parse("""
            {"id":"x","version":"1.0","description":"","domain":"d","states":[],"initialState":"A","transitions":[{"id":"t","from":"A","to":"B","allowedActors":["robot"]}],"outcome":{"id":"o","description":"d","valueUnit":"u","measurable":"yes"},"extra":1}
            """);

        Schema.Validate(json.RootElement).Should().HaveCount(6);
    }

    [InteropFact]
    public void LoadDirectory_InteropLoops_LoadsAll()
    {
        LoopDefinitionSerializer.LoadDirectory(InteropPaths.LoopsDirectory).Should().HaveCountGreaterThanOrEqualTo(4);
    }
}
