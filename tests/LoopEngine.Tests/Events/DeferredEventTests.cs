using System.Text.Json;
using System.Text.RegularExpressions;
using LoopEngine;
using LoopEngine.Tests.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace LoopEngine.Tests.Events;

/// <summary>
/// The engine keeps an event's values and writes its JSON (and a default-generated id's text) when first read: every read,
/// copy and comparison must see the same bytes as if they had been written at once.
/// </summary>
public sealed partial class DeferredEventTests
{
    [Fact]
    public async Task ReadEventsAsync_DefaultIds_EachEventSameJsonOnEveryReadAndInItsCopies()
    {
        var store = new InMemoryLoopStore();
        var registry = new LoopRegistry();
        registry.Add(TestLoops.Procurement());
        var engine = new LoopRuntime(store, registry, timeProvider: new FakeTimeProvider(new DateTimeOffset(2026, 2, 14, 9, 14, 10, TimeSpan.Zero)));
        await engine.StartAsync(new StartLoopRequest { LoopId = "scm.procurement", AggregateId = "PO-1", Actor = TestLoops.Replenishment });
        await engine.TransitionAsync(new TransitionRequest { AggregateId = "PO-1", TransitionId = "confirm_po", Actor = TestLoops.Drew, Evidence = Evidence.Parse("""{"approved":true,"note":"x"}""") });
        await engine.TransitionAsync(new TransitionRequest { AggregateId = "PO-1", TransitionId = "close", Actor = Actor.Webhook("webhook:erp"), Evidence = Evidence.Empty });

        var first = await store.ReadEventsAsync(0, 100);
        var second = await store.ReadEventsAsync(0, 100);

        first.Select(e => e.Type).Should().Equal(
            LoopEventTypes.Started, LoopEventTypes.TransitionRequested, LoopEventTypes.Executed, LoopEventTypes.TransitionRequested, LoopEventTypes.Blocked);
        for (var i = 0; i < first.Count; i++)
        {
            var e = first[i];
            e.Position.Should().Be(i + 1);
            EventIdPattern().IsMatch(e.EventId).Should().BeTrue($"'{e.EventId}' is a default-generated id");
            using var json = JsonDocument.Parse(e.Json);
            json.RootElement.GetProperty("eventId").GetString().Should().Be(e.EventId);
            json.RootElement.GetProperty("type").GetString().Should().Be(e.Type);
            second[i].Json.Should().Be(e.Json);
            second[i].Should().Be(e).And.NotBeSameAs(e);
            second[i].GetHashCode().Should().Be(e.GetHashCode());

            var renamed = second[i] with { EventId = "evt_renamed" };
            renamed.Json.Should().Be(e.Json, "a copy's JSON is its original's: an event's bytes never change after it is written");
            renamed.Should().NotBe(e);
        }

        first[2].Json.Should().Contain("\"evidence\":{\"approved\":true,\"note\":\"x\"}");
        first.Select(e => e.EventId).Should().OnlyHaveUniqueItems();
    }

    [Fact]
    public async Task TransitionAsync_UnauthorizedActor_MessageBuiltOnReadNamesTheAllowedTypes()
    {
        var f = new EngineFixture();
        await f.StartProcurementAsync("PO-1");

        var result = await f.RequestAsync("PO-1", "confirm_po", Actor.Webhook("webhook:erp"), """{"approved":true}""");

        result.BlockReason.Should().Be(BlockReason.UnauthorizedActor);
        result.Message.Should().Be("Actor 'webhook:erp' (webhook) may not take transition 'confirm_po': its allowed actor types are human, automation, ai-agent, and the types that may recommend it are ai-agent.");
        (result with { }).Should().Be(result);
        (result with { Message = "other" }).Should().NotBe(result);
    }

    [Fact]
    public async Task CancelAsync_OneAggregatesKind_RemovesOnlyThoseTimers()
    {
        var store = new InMemoryLoopStore();
        var due = new DateTimeOffset(2026, 2, 14, 9, 0, 0, TimeSpan.Zero);
        LoopTimer Timer(string aggregate, string kind, string key) => new() { OrgId = "o", AggregateId = aggregate, LoopId = "scm.procurement", Kind = kind, Key = key, DueAt = due };
        await store.ScheduleAsync(Timer("A", TimerKinds.Sla, "S@1"));
        await store.ScheduleAsync(Timer("A", TimerKinds.Sla, "S@1"));
        await store.ScheduleAsync(Timer("A", TimerKinds.RecommendationExpiry, "rec_1"));
        await store.ScheduleAsync(Timer("B", TimerKinds.Sla, "S@1"));

        (await store.CancelAsync("o", "A", TimerKinds.Sla)).Should().Be(1, "scheduling the same key twice replaces the timer");
        (await store.ListAsync("o", "A")).Select(t => t.Key).Should().Equal("rec_1");
        (await store.ListAsync("o", "B")).Should().ContainSingle();
        (await store.CancelAsync("o", "A")).Should().Be(1);
        (await store.CancelAsync("o", "A")).Should().Be(0);
        (await store.CancelAsync("other-org", "B")).Should().Be(0);

        var claimed = await store.ClaimDueAsync(due, 10, "sweeper", TimeSpan.FromMinutes(1));
        claimed.Should().ContainSingle().Which.AggregateId.Should().Be("B");
        (await store.CompleteAsync(claimed[0], "sweeper")).Should().BeTrue();
        (await store.CancelAsync("o", "B")).Should().Be(0, "a completed timer is gone from the aggregate's index too");
    }

    [GeneratedRegex("^evt_[0-9A-HJKMNP-TV-Z]{26}$")]
    private static partial Regex EventIdPattern();
}
