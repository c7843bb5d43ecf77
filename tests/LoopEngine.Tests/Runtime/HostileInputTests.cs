using System.Diagnostics.Metrics;
using System.Text;
using LoopEngine;
using LoopEngine.Tests.TestSupport;

namespace LoopEngine.Tests.Runtime;

/// <summary>TARGETS.md R7: hostile input is rejected with typed errors, and changes no state, no trace and no event.</summary>
public sealed class HostileInputTests
{
    public static TheoryData<string, string> BadEvidence() => new()
    {
        { "oversized", "{\"blob\":\"" + new string('x', 70 * 1024) + "\"}" },
        { "too deep", string.Concat(Enumerable.Repeat("{\"a\":", 40)) + "1" + new string('}', 40) },
        { "duplicate keys", """{"approved":true,"approved":false}""" },
        { "array", """[1,2,3]""" },
        { "string", "\"approved\"" },
        { "number", "42" },
        { "null", "null" },
        { "truncated", """{"approved":tr""" },
        { "huge integer", """{"qty":123456789012345678901234567890}""" },
    };

    [Theory]
    [MemberData(nameof(BadEvidence))]
    public async Task EvidenceParse_HostileEvidence_TypedErrorAndNothingWritten(string what, string json)
    {
        var f = new EngineFixture();
        await f.StartProcurementAsync();
        var before = (await f.EventsAsync()).Count;

        var act = async () => await f.RequestAsync("PO-2026-0012", "confirm_po", TestLoops.Drew, json);

        await act.Should().ThrowAsync<EvidenceException>(what);
        await AssertUnchangedAsync(f, before);
    }

    [Fact]
    public void EvidenceParseUtf8_InvalidUtf8_TypedError()
    {
        var bytes = Encoding.UTF8.GetBytes("""{"note":"x"}""");
        bytes[9] = 0xC3; // a lead byte with no continuation

        var act = () => Evidence.ParseUtf8(bytes);

        act.Should().Throw<EvidenceException>().WithMessage("*UTF-8*");
    }

    public static TheoryData<string> HostileIds() => new()
    {
        "PO-1'; DROP TABLE instances; --",
        "PO\"1",
        "PO-1; DELETE FROM trace",
        "PO-😀-ünïcødé",
        "Robert'); --",
    };

    [Theory]
    [MemberData(nameof(HostileIds))]
    public async Task StartAsync_SqlMetacharactersInIds_StoredVerbatim(string id)
    {
        var f = new EngineFixture();

        await f.Engine.StartAsync(new StartLoopRequest { LoopId = "scm.procurement", AggregateId = id, Actor = Actor.Human(id), CorrelationId = id, OrgId = id });
        var executed = await f.RequestAsync(id, "confirm_po", Actor.Human(id), """{"approved":true}""", org: id);

        executed.IsExecuted.Should().BeTrue();
        var trace = await f.Engine.GetTraceAsync(id, id);
        trace.Should().HaveCount(2);
        trace.Should().OnlyContain(r => r.AggregateId == id && r.OrgId == id && r.Actor.Id == id);
        (await f.Engine.VerifyTraceAsync(id, id)).IsValid.Should().BeTrue();
    }

    public static TheoryData<string> MalformedIds() => new() { "", "PO\n1", "PO\u00001", new string('x', 201) };

    [Theory]
    [MemberData(nameof(MalformedIds))]
    public async Task TransitionAsync_MalformedAggregateId_TypedErrorNamingTheRule(string id)
    {
        var f = new EngineFixture();
        await f.StartProcurementAsync();
        var before = (await f.EventsAsync()).Count;

        var act = async () => await f.RequestAsync(id, "confirm_po", TestLoops.Drew, """{"approved":true}""");

        await act.Should().ThrowAsync<ArgumentException>().WithMessage("*1 to 200 characters with no control characters*");
        await AssertUnchangedAsync(f, before);
    }

    [Fact]
    public async Task TransitionAsync_UnknownAggregateOrLoopMismatch_TypedErrors()
    {
        var f = new EngineFixture();
        await f.StartProcurementAsync();
        var before = (await f.EventsAsync()).Count;

        var unknown = async () => await f.RequestAsync("PO-404", "confirm_po", TestLoops.Drew);
        var mismatch = async () => await f.Engine.TransitionAsync(new TransitionRequest { AggregateId = "PO-2026-0012", LoopId = "scm.replenishment", TransitionId = "confirm_po", Actor = TestLoops.Drew });
        var badTransition = async () => await f.RequestAsync("PO-2026-0012", "confirm_po\u0000", TestLoops.Drew);

        await unknown.Should().ThrowAsync<LoopNotFoundException>().WithMessage("*PO-404*");
        await mismatch.Should().ThrowAsync<LoopMismatchException>().WithMessage("*runs loop 'scm.procurement', not 'scm.replenishment'*");
        await badTransition.Should().ThrowAsync<ArgumentException>();
        await AssertUnchangedAsync(f, before);
    }

    [Fact]
    public void Actor_SpoofedTypeOrAgentFieldsOnHuman_TypedErrors()
    {
        var spoofedType = () => ActorTypes.Parse("admin");
        var humanWithModel = () => new Actor(ActorType.Human, "drew", modelId: "gpt");
        var badConfidence = () => Actor.AiAgent("agent:x", confidence: 1.5);
        var undefinedType = () => new Actor((ActorType)99, "x");

        spoofedType.Should().Throw<ArgumentException>().WithMessage("*'admin'*human, automation, ai-agent, webhook, system*");
        humanWithModel.Should().Throw<ArgumentException>().WithMessage("*only ai-agent actors carry*");
        badConfidence.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*[0, 1]*");
        undefinedType.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public async Task TransitionAsync_Executed_ReportsOnTheLoopEngineMeter()
    {
        var measurements = new List<(string Name, double Value)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == LoopEngineInstrumentation.Name)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((i, v, _, _) => { lock (measurements) { measurements.Add((i.Name, v)); } });
        listener.SetMeasurementEventCallback<double>((i, v, _, _) => { lock (measurements) { measurements.Add((i.Name, v)); } });
        listener.Start();
        var f = new EngineFixture();
        await f.StartProcurementAsync();

        await f.RequestAsync("PO-2026-0012", "confirm_po", TestLoops.Drew, """{"approved":true}""");
        await f.RequestAsync("PO-2026-0012", "close", TestLoops.Drew);

        lock (measurements)
        {
            measurements.Select(m => m.Name).Should().Contain(["loopengine.transitions", "loopengine.transitions.blocked", "loopengine.transition.latency"]);
        }
    }

    private static async Task AssertUnchangedAsync(EngineFixture f, int eventsBefore)
    {
        (await f.EventsAsync()).Should().HaveCount(eventsBefore, "a rejected request appends no event");
        var instance = await f.Engine.GetInstanceAsync("PO-2026-0012");
        instance!.Version.Should().Be(1, "a rejected request changes no state");
        (await f.Engine.GetTraceAsync("PO-2026-0012")).Should().HaveCount(1, "a rejected request writes no trace");
    }
}
