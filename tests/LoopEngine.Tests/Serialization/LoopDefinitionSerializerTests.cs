using System.Text;
using System.Text.Json;
using LoopEngine.Tests.TestSupport;

namespace LoopEngine.Tests.Serialization;

public sealed class LoopDefinitionSerializerTests
{
    private const string ValidYaml = """
        id: test.loop
        version: 1.0.0
        domain: test
        description: A loop
        states:
          - id: OPEN
          - id: DONE
            isTerminal: true
        initialState: OPEN
        transitions:
          - id: finish
            from: OPEN
            to: DONE
            allowedActors: [human]
        outcome:
          id: done
          description: Done
          valueUnit: done
          measurable: true
        """;

    private static LoopDefinitionException Rejected(Action act) => act.Should().Throw<LoopDefinitionException>().Which;

    [Fact]
    public void ToJson_RichDefinition_LoadsBackEqual()
    {
        var definition = TestDefinitions.Rich();

        LoopDefinitionSerializer.LoadJson(LoopDefinitionSerializer.ToJson(definition)).Should().Be(definition);
    }

    [Fact]
    public void ToYaml_RichDefinition_LoadsBackEqual()
    {
        var definition = TestDefinitions.Rich();

        LoopDefinitionSerializer.LoadYaml(LoopDefinitionSerializer.ToYaml(definition)).Should().Be(definition);
    }

    [Fact]
    public void ToJson_RichDefinition_WritesLoopEngineMetadata()
    {
        using var json = JsonDocument.Parse(LoopDefinitionSerializer.ToJson(TestDefinitions.Rich()));
        var loopengine = json.RootElement.GetProperty("metadata").GetProperty("loopengine");

        loopengine.GetProperty("policy").GetProperty("approvers").EnumerateArray().Select(e => e.GetString()).Should().Equal("human", "system");
        var submit = loopengine.GetProperty("transitions").GetProperty("submit");
        submit.GetProperty("recommendationTtl").GetString().Should().Be("P1D");
        submit.GetProperty("fourEyes").GetBoolean().Should().BeFalse();
        loopengine.GetProperty("transitions").TryGetProperty("finish", out _).Should().BeFalse("defaults are not written");
        loopengine.GetProperty("states").GetProperty("REVIEW").GetProperty("sla").GetProperty("maxDwell").GetString().Should().Be("P1DT12H");
        loopengine.GetProperty("outcome").GetProperty("metrics").GetProperty("lead_time").GetProperty("updates").GetString().Should().Be("lead:{evidence.supplier}");
        json.RootElement.GetProperty("metadata").GetProperty("other_tool").GetProperty("b").GetProperty("c").GetString().Should().Be("012");
    }

    [Fact]
    public void ToJson_AllDefaults_OmitsLoopEngineKey()
    {
        var json = LoopDefinitionSerializer.ToJson(TestDefinitions.Minimal().Build());

        json.Should().NotContain("loopengine").And.NotContain("metadata");
    }

    [Fact]
    public void LoadYaml_OtherToolsMetadata_IsKeptVerbatim()
    {
        var yaml = ValidYaml + "\nmetadata:\n  ui: { color: blue, size: 3, tags: [a, 'true'], none: ~ }\n  loopengine: { policy: { approvers: [human, system] } }\n";

        var definition = LoopDefinitionSerializer.LoadYaml(yaml);

        definition.Metadata.Should().ContainKey("ui").And.NotContainKey("loopengine");
        definition.Metadata["ui"].GetRawText().Should().Be("""{"color":"blue","size":3,"tags":["a","true"],"none":null}""");
        definition.Policy.Approvers.Should().Equal(ActorType.Human, ActorType.System);
        LoopDefinitionSerializer.LoadYaml(LoopDefinitionSerializer.ToYaml(definition)).Should().Be(definition);
        LoopDefinitionSerializer.LoadJson(LoopDefinitionSerializer.ToJson(definition)).Should().Be(definition);
    }

    [Fact]
    public void LoadYaml_TruncatedYaml_ReportsLine()
    {
        var truncated = ValidYaml[..ValidYaml.IndexOf("outcome", StringComparison.Ordinal)] + "outcome:\n  id: \"done";

        var problem = Rejected(() => LoopDefinitionSerializer.LoadYaml(truncated, "truncated.yaml")).Problems.Should().ContainSingle().Subject;

        problem.Message.Should().Contain("malformed");
        problem.Line.Should().BeGreaterThan(15);
        problem.Path.Should().NotBeNullOrEmpty();
    }

    [Fact]
    public void LoadYaml_MissingRequiredProperties_ReportsEachWithLine()
    {
        var yaml = ValidYaml.Replace("domain: test\n", string.Empty, StringComparison.Ordinal).Replace("\n  measurable: true", string.Empty, StringComparison.Ordinal);

        var problems = Rejected(() => LoopDefinitionSerializer.LoadYaml(yaml)).Problems;

        problems.Should().Contain(p => p.Path == "domain" && p.Message.Contains("Required property 'domain'") && p.Line == 1);
        problems.Should().Contain(p => p.Path == "outcome.measurable" && p.Line == 15);
    }

    [Fact]
    public void LoadYaml_WrongTypes_ReportsEveryOneWithPathAndLine()
    {
        var yaml = ValidYaml
            .Replace("    isTerminal: true", "    isTerminal: maybe", StringComparison.Ordinal)
            .Replace("allowedActors: [human]", "allowedActors: human", StringComparison.Ordinal)
            .Replace("  - id: OPEN", "  - id: [OPEN]", StringComparison.Ordinal);

        var problems = Rejected(() => LoopDefinitionSerializer.LoadYaml(yaml)).Problems;

        problems.Should().Contain(new DefinitionProblem("states[1].isTerminal", "Expected a boolean (true or false), but found a string 'maybe'.", 8));
        problems.Should().Contain(new DefinitionProblem("transitions[0].allowedActors", "Expected an array, but found a string 'human'.", 14));
        problems.Should().Contain(p => p.Path == "states[0].id" && p.Line == 6 && p.Message.Contains("an array"));
    }

    [Fact]
    public void LoadJson_UnknownProperties_ListValidProperties()
    {
        var json = LoopDefinitionSerializer.ToJson(TestDefinitions.Minimal().Build())
            .Replace("\"initialState\"", "\"colour\": \"red\",\n  \"initialState\"", StringComparison.Ordinal)
            .Replace("\"from\"", "\"form\": \"x\",\n      \"from\"", StringComparison.Ordinal);

        var problems = Rejected(() => LoopDefinitionSerializer.LoadJson(json)).Problems;

        problems.Should().Contain(p => p.Path == "colour" && p.Message.Contains("Unknown property 'colour'") && p.Message.Contains("initialState") && p.Line > 1);
        problems.Should().Contain(p => p.Path == "transitions[0].form" && p.Message.Contains("allowedActors") && p.Line > 1);
    }

    [Fact]
    public void LoadYaml_DuplicateKeys_AreRejected()
    {
        var yaml = ValidYaml.Replace("domain: test\n", "domain: test\ndomain: other\n", StringComparison.Ordinal);

        Rejected(() => LoopDefinitionSerializer.LoadYaml(yaml)).Problems.Should().ContainSingle()
            .Which.Should().Be(new DefinitionProblem("domain", "Duplicate key 'domain' (first defined at line 3): each key may appear only once.", 4));
    }

    [Fact]
    public void LoadJson_DuplicateProperties_AreRejected()
    {
        var json = LoopDefinitionSerializer.ToJson(TestDefinitions.Minimal().Build()).Replace("\"domain\": \"test\",", "\"domain\": \"test\",\n  \"domain\": \"x\",", StringComparison.Ordinal);

        Rejected(() => LoopDefinitionSerializer.LoadJson(json)).Problems.Should().ContainSingle()
            .Which.Should().Match<DefinitionProblem>(p => p.Path == "domain" && p.Line == 5 && p.Message.Contains("Duplicate property 'domain'"));
    }

    [Fact]
    public void LoadJson_Truncated_ReportsLine()
    {
        var json = LoopDefinitionSerializer.ToJson(TestDefinitions.Minimal().Build());

        var problem = Rejected(() => LoopDefinitionSerializer.LoadJson(json[..(json.Length / 2)])).Problems.Should().ContainSingle().Subject;

        problem.Message.Should().Contain("malformed");
        problem.Line.Should().BeGreaterThan(1);
    }

    [Fact]
    public void LoadYaml_AliasBomb_FailsFast()
    {
        var bomb = new StringBuilder("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for (var i = 1; i < 10; i++)
        {
            bomb.Append((char)('a' + i)).Append(": &").Append((char)('a' + i)).Append(" [")
                .Append(string.Join(", ", Enumerable.Repeat("*" + (char)('a' + i - 1), 10))).Append("]\n");
        }

        // 10^10 expanded nodes if the aliases were followed: the loader refuses by counting alias uses, before expanding.
        var problem = Rejected(() => LoopDefinitionSerializer.LoadYaml(bomb.ToString())).Problems.Should().ContainSingle().Subject;

        problem.Message.Should().Contain("alias bomb");
        problem.Line.Should().BeInRange(2, 10);
        problem.Path.Should().NotBeEmpty();
    }

    [Fact]
    public void LoadYaml_FewAliases_AreAccepted()
    {
        var yaml = ValidYaml.Replace("allowedActors: [human]", "allowedActors: &actors [human]\n  - id: cancel\n    from: OPEN\n    to: DONE\n    allowedActors: *actors", StringComparison.Ordinal);

        LoopDefinitionSerializer.LoadYaml(yaml).Transitions.Should().HaveCount(2);
    }

    [Fact]
    public void LoadYaml_TenMegabytes_RejectedBeforeParsing()
    {
        var huge = ValidYaml + "\n#" + new string('x', 10 * 1024 * 1024);

        var problem = Rejected(() => LoopDefinitionSerializer.LoadYaml(huge)).Problems.Should().ContainSingle().Subject;

        problem.Message.Should().Contain("limit is 1048576 bytes");
        problem.Path.Should().Be("$");
        problem.Line.Should().Be(1);
    }

    [Fact]
    public void Load_StreamOverConfiguredLimit_IsRejected()
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(ValidYaml));

        var act = () => LoopDefinitionSerializer.Load(stream, DefinitionFormat.Yaml, "small", new LoopDefinitionLoadOptions { MaxBytes = 100 });

        act.Should().Throw<LoopDefinitionException>().WithMessage("*limit is 100 bytes*");
    }

    [Fact]
    public void LoadFile_TenMegabyteFile_RejectedWithoutReading()
    {
        var path = Path.Combine(Path.GetTempPath(), $"loopengine-huge-{Environment.ProcessId}.yaml");
        try
        {
            using (var file = File.Create(path))
            {
                file.SetLength(10 * 1024 * 1024);
            }

            Rejected(() => LoopDefinitionSerializer.LoadFile(path)).Problems.Should().ContainSingle().Which.Message.Should().Contain("10485760 bytes");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void LoadYaml_DeeplyNested_IsRejected()
    {
        var deep = ValidYaml + "\nmetadata:\n  ui: " + new string('[', 100) + new string(']', 100) + "\n";

        var problem = Rejected(() => LoopDefinitionSerializer.LoadYaml(deep)).Problems.Should().ContainSingle().Subject;

        problem.Message.Should().Contain("deeper than 64");
        problem.Line.Should().Be(21);
    }

    [Fact]
    public void LoadJson_DeeplyNested_IsRejected()
    {
        var json = LoopDefinitionSerializer.ToJson(TestDefinitions.Minimal().Build()).TrimEnd().TrimEnd('}') + ",\n\"metadata\": {\"ui\": " + new string('[', 100) + new string(']', 100) + "}}";

        Rejected(() => LoopDefinitionSerializer.LoadJson(json)).Problems.Should().ContainSingle().Which.Message.Should().Contain("deeper than 64");
    }

    [Fact]
    public void Load_NonUtf8Bytes_AreRejected()
    {
        var bytes = Encoding.UTF8.GetBytes(ValidYaml.Replace("A loop", "A loop X", StringComparison.Ordinal));
        bytes[Array.IndexOf(bytes, (byte)'X')] = 0xE9; // Latin-1 'é'
        using var stream = new MemoryStream(bytes);

        var problem = Rejected(() => LoopDefinitionSerializer.Load(stream, DefinitionFormat.Yaml)).Problems.Should().ContainSingle().Subject;

        problem.Message.Should().Contain("not valid UTF-8");
        problem.Line.Should().Be(4);
    }

    [Fact]
    public void LoadYaml_UnknownLoopEngineKeys_AreRejectedAtEveryLevel()
    {
        var yaml = ValidYaml + """

            metadata:
              loopengine:
                polcy: {}
                transitions:
                  finish: { fourEyes: true, approver: [human] }
                  nope: { fourEyes: false }
                states:
                  DONE_: { sla: { maxDwell: P1D } }
                  OPEN: { sla: { maxDwell: P1D, onBreach: { transition: null, event: true, log: true } } }
                outcome:
                  metrics: { missing: { kind: number } }
            """;

        var problems = Rejected(() => LoopDefinitionSerializer.LoadYaml(yaml)).Problems;

        problems.Should().Contain(p => p.Path == "metadata.loopengine.polcy" && p.Message.Contains("Valid properties are: policy, transitions, states, outcome") && p.Line == 22);
        problems.Should().Contain(p => p.Path == "metadata.loopengine.transitions.finish.approver" && p.Message.Contains("approvers") && p.Line == 24);
        problems.Should().Contain(p => p.Path == "metadata.loopengine.transitions.nope" && p.Message.Contains("Its transitions are: finish") && p.Line == 25);
        problems.Should().Contain(p => p.Path == "metadata.loopengine.states.DONE_" && p.Message.Contains("Its states are: OPEN, DONE") && p.Line == 27);
        problems.Should().Contain(p => p.Path == "metadata.loopengine.states.OPEN.sla.onBreach.log" && p.Line == 28);
        problems.Should().Contain(p => p.Path == "metadata.loopengine.outcome.metrics.missing" && p.Message.Contains("Its metrics are: none") && p.Line == 30);
        problems.Should().HaveCount(6);
    }

    [Theory]
    [InlineData("P1Y")]
    [InlineData("P1M")]
    [InlineData("24h")]
    [InlineData("PT")]
    [InlineData("P")]
    [InlineData("-PT1H")]
    [InlineData("1.00:00:00")]
    [InlineData("PT1.5H")]
    public void LoadYaml_BadIsoDuration_IsRejected(string duration)
    {
        var yaml = ValidYaml + $"\nmetadata:\n  loopengine:\n    transitions:\n      finish: {{ recommendationTtl: \"{duration}\" }}\n";

        Rejected(() => LoopDefinitionSerializer.LoadYaml(yaml)).Problems.Should().ContainSingle()
            .Which.Should().Match<DefinitionProblem>(p => p.Path == "metadata.loopengine.transitions.finish.recommendationTtl" && p.Line == 23
                && p.Message.Contains($"'{duration}' is not a valid duration") && p.Message.Contains("PT24H"));
    }

    [Theory]
    [InlineData("PT24H", 24 * 60)]
    [InlineData("P5D", 5 * 24 * 60)]
    [InlineData("P1W", 7 * 24 * 60)]
    [InlineData("P1DT2H3M", 26 * 60 + 3)]
    [InlineData("PT90M", 90)]
    public void LoadYaml_IsoDuration_IsParsed(string duration, int minutes)
    {
        var yaml = ValidYaml + $"\nmetadata:\n  loopengine:\n    transitions:\n      finish: {{ recommendationTtl: {duration} }}\n";

        LoopDefinitionSerializer.LoadYaml(yaml).Transitions[0].RecommendationTtl.Should().Be(TimeSpan.FromMinutes(minutes));
    }

    [Fact]
    public void LoadYaml_ValidatorProblems_CarryLines()
    {
        var yaml = ValidYaml.Replace("    to: DONE", "    to: GONE", StringComparison.Ordinal);

        Rejected(() => LoopDefinitionSerializer.LoadYaml(yaml, "loop.yaml")).Problems.Should().ContainSingle()
            .Which.Should().Be(new DefinitionProblem("transitions[0].to", "'GONE' is not a declared state. Declared states are: OPEN, DONE.", 13));
    }

    [Fact]
    public void LoadYaml_MetadataValidatorProblem_PointsAtMetadataLine()
    {
        var yaml = ValidYaml + "\nmetadata:\n  loopengine:\n    transitions:\n      finish: { spawns: [scm.child] }\n";

        Rejected(() => LoopDefinitionSerializer.LoadYaml(yaml)).Problems.Should().ContainSingle()
            .Which.Should().Match<DefinitionProblem>(p => p.Path == "transitions[0].spawns[0]" && p.Line == 23 && p.Message.Contains("spawnableLoops"));
    }

    [Fact]
    public void LoadYaml_MultipleDocuments_AreRejected()
    {
        Rejected(() => LoopDefinitionSerializer.LoadYaml(ValidYaml + "\n---\nid: x\n")).Problems.Should().ContainSingle().Which.Message.Should().Contain("more than one YAML document");
    }

    [Fact]
    public void LoadYaml_QuotedNumberLikeStrings_StayStrings()
    {
        var definition = TestDefinitions.Minimal().WithDescription("123").AddParticipants("true", "null", "1.5", "").Build();

        var yaml = LoopDefinitionSerializer.ToYaml(definition);

        LoopDefinitionSerializer.LoadYaml(yaml).Should().Be(definition);
        yaml.Should().Contain("description: \"123\"");
    }

    [Fact]
    public void LoadDirectory_SomeBadFiles_ReportsEveryBadFile()
    {
        var dir = Directory.CreateTempSubdirectory("loopengine-dir-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "a.yaml"), ValidYaml);
            File.WriteAllText(Path.Combine(dir, "b.json"), "{ \"id\": ");
            File.WriteAllText(Path.Combine(dir, "c.yml"), ValidYaml.Replace("to: DONE", "to: GONE", StringComparison.Ordinal));
            File.WriteAllText(Path.Combine(dir, "d.yaml"), ValidYaml);
            File.WriteAllText(Path.Combine(dir, "notes.txt"), "ignored");

            var failures = Rejected2(() => LoopDefinitionSerializer.LoadDirectory(dir)).Failures;

            failures.Select(f => Path.GetFileName(f.Source)).Should().Equal("b.json", "c.yml", "d.yaml");
            failures[2].Problems.Single().Message.Should().Contain("test.loop@1.0.0").And.Contain("a.yaml");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }

        static LoopDefinitionDirectoryException Rejected2(Action act) => act.Should().Throw<LoopDefinitionDirectoryException>().Which;
    }

    [Fact]
    public void LoadDirectory_AllValid_LoadsInFileOrder()
    {
        var dir = Directory.CreateTempSubdirectory("loopengine-dir-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "b.yaml"), ValidYaml);
            File.WriteAllText(Path.Combine(dir, "a.json"), LoopDefinitionSerializer.ToJson(TestDefinitions.Rich()));

            LoopDefinitionSerializer.LoadDirectory(dir).Select(d => d.Key).Should().Equal("test.rich@3.1.4", "test.loop@1.0.0");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
