using System.Text.Json;
using LoopEngine;
using LoopEngine.Learning;

namespace LoopEngine.Tests.Learning;

public sealed class LoopOutcomesTests
{
    private static readonly string[] OutcomeEventFields =
        ["eventId", "loopId", "aggregateId", "orgId", "occurredAt", "correlationId", "causationId", "type", "outcomeId", "valueUnit", "businessMetrics", "durationMs"];

    [Fact]
    public async Task RecordOutcomeAsync_PageExample_GivesPageLearningSignalTable()
    {
        var f = new ReplenishmentFixture();
        await f.AddPageLoopAsync("REPLEN-2026-0041");

        var result = await f.Outcomes.RecordOutcomeAsync(ReplenishmentFixture.PageOutcome("REPLEN-2026-0041"));

        var o = result.Outcome;
        o["demand"]!.Delta.Should().Be(60);
        o["lead_time"]!.Delta.Should().Be(4);
        o["lead_time"]!.DurationDelta.Should().Be(TimeSpan.FromDays(4));
        o["lead_time"]!.Unit.Should().Be("days");
        o["stockout_risk"]!.IsHit.Should().BeFalse();
        o["stockout_risk"]!.Delta.Should().BeNull();
        o["stockout_occurred"]!.Actual.Should().Be(OutcomeValue.Boolean(true));
        o["stockout_occurred"]!.IsHit.Should().BeNull();
        (await f.Outcomes.GetOutcomeAsync(null, "REPLEN-2026-0041")).Should().BeEquivalentTo(o);
    }

    [Fact]
    public async Task RecordOutcomeAsync_LeadTimeActual_MovesSupplierEstimateFrom12To14AndNextLoopReadsIt()
    {
        var f = new ReplenishmentFixture();
        await f.AddPageLoopAsync("REPLEN-2026-0041");

        var result = await f.Outcomes.RecordOutcomeAsync(ReplenishmentFixture.PageOutcome("REPLEN-2026-0041"));

        var update = result.EstimateUpdates.Should().ContainSingle().Subject;
        update.Key.Should().Be("supplier_lead_time:SUP-ACME");
        update.OldValue.Should().BeNull();
        update.NewValue.Should().Be(14); // EWMA α = 0.5 from the predicted 12 toward the actual 16.
        var reader = new EstimateReader(f.Learning, Microsoft.Extensions.Options.Options.Create(new LearningOptions()));
        var estimate = await reader.GetAsync("supplier_lead_time:SUP-ACME");
        estimate!.Value.Should().Be(14);
        estimate.AsDuration().Should().Be(TimeSpan.FromDays(14));

        // The next loop closes with an actual of 16 days against the 14 it planned with: 0.5·16 + 0.5·14 = 15.
        await f.AddPageLoopAsync("REPLEN-2026-0042");
        var next = await f.Outcomes.RecordOutcomeAsync(new OutcomeRecord
        {
            AggregateId = "REPLEN-2026-0042",
            Metrics = [new OutcomeMetricValue("lead_time", OutcomeValue.Duration(estimate.AsDuration()!.Value), OutcomeValue.Duration(TimeSpan.FromDays(16)))],
        });
        next.EstimateUpdates.Single().OldValue.Should().Be(14);
        (await reader.GetAsync("supplier_lead_time:SUP-ACME"))!.Value.Should().Be(15);
        (await reader.GetAsync("supplier_lead_time:SUP-ACME"))!.Count.Should().Be(2);
    }

    [Fact]
    public async Task RecordOutcomeAsync_Always_EmitsOutcomeEventWithExactlyReferenceFieldsAndEstimateEvent()
    {
        var f = new ReplenishmentFixture();
        await f.AddPageLoopAsync("REPLEN-2026-0041");
        var before = (await f.Store.ReadEventsAsync(0, 1000)).Count;

        var result = await f.Outcomes.RecordOutcomeAsync(ReplenishmentFixture.PageOutcome("REPLEN-2026-0041") with { CausationId = "msg-7" });

        var events = (await f.Store.ReadEventsAsync(0, 1000)).Skip(before).ToList();
        events.Select(e => e.Type).Should().Equal(LoopEventTypes.OutcomeRecorded, LoopEventTypes.EstimateUpdated);
        using var outcome = JsonDocument.Parse(events[0].Json);
        outcome.RootElement.EnumerateObject().Select(p => p.Name).Should().BeEquivalentTo(OutcomeEventFields);
        outcome.RootElement.GetProperty("occurredAt").GetString().Should().Be("2026-03-01T12:00:00.000Z");
        outcome.RootElement.GetProperty("durationMs").GetInt64().Should().Be((long)(TimeSpan.FromDays(16) + TimeSpan.FromMinutes(6) + TimeSpan.FromHours(2)).TotalMilliseconds);
        var demand = outcome.RootElement.GetProperty("businessMetrics").GetProperty("demand");
        demand.GetProperty("delta").GetDouble().Should().Be(60);
        outcome.RootElement.GetProperty("businessMetrics").GetProperty("stockout_risk").GetProperty("hit").GetBoolean().Should().BeFalse();
        using var estimate = JsonDocument.Parse(events[1].Json);
        estimate.RootElement.GetProperty("causationId").GetString().Should().Be(result.Outcome.EventId);
        estimate.RootElement.GetProperty("oldValue").ValueKind.Should().Be(JsonValueKind.Null);
        estimate.RootElement.GetProperty("newValue").GetDouble().Should().Be(14);
        estimate.RootElement.GetProperty("key").GetString().Should().Be("supplier_lead_time:SUP-ACME");
    }

    [Fact]
    public async Task RecordOutcomeAsync_UnknownMetric_ThrowsListingValidMetrics()
    {
        var f = new ReplenishmentFixture();
        await f.AddPageLoopAsync("REPLEN-2026-0041");

        var act = () => f.Outcomes.RecordOutcomeAsync(new OutcomeRecord
        {
            AggregateId = "REPLEN-2026-0041",
            Metrics = [new OutcomeMetricValue("demnd", null, OutcomeValue.Number(1))],
        }).AsTask();

        (await act.Should().ThrowAsync<UnknownOutcomeMetricException>())
            .WithMessage("*'demnd'*demand, lead_time, stockout_risk, stockout_occurred*");
    }

    [Fact]
    public async Task RecordOutcomeAsync_TypeMismatch_ThrowsNamingKinds()
    {
        var f = new ReplenishmentFixture();
        await f.AddPageLoopAsync("REPLEN-2026-0041");

        var act = () => f.Outcomes.RecordOutcomeAsync(new OutcomeRecord
        {
            AggregateId = "REPLEN-2026-0041",
            Metrics = [new OutcomeMetricValue("lead_time", null, OutcomeValue.Number(16))],
        }).AsTask();

        (await act.Should().ThrowAsync<OutcomeMetricTypeException>()).WithMessage("*'lead_time'*duration*number*");
    }

    [Fact]
    public async Task RecordOutcomeAsync_PredictedAndActualOfDifferentKinds_Throws()
    {
        var f = new ReplenishmentFixture();
        await f.AddPageLoopAsync("REPLEN-2026-0041");

        var act = () => f.Outcomes.RecordOutcomeAsync(new OutcomeRecord
        {
            AggregateId = "REPLEN-2026-0041",
            Metrics = [new OutcomeMetricValue("stockout_risk", OutcomeValue.Category("Low"), OutcomeValue.Boolean(true))],
        }).AsTask();

        await act.Should().ThrowAsync<OutcomeMetricTypeException>();
    }

    [Fact]
    public async Task RecordOutcomeAsync_OpenLoop_ThrowsLoopNotEnded()
    {
        var f = new ReplenishmentFixture();
        await f.AddPageLoopAsync("REPLEN-2026-0041", LoopStatus.InProgress);

        var act = () => f.Outcomes.RecordOutcomeAsync(ReplenishmentFixture.PageOutcome("REPLEN-2026-0041")).AsTask();

        (await act.Should().ThrowAsync<LoopNotEndedException>()).WithMessage("*REPLEN-2026-0041*InProgress*");
        (await f.Learning.GetOutcomeAsync("default", "REPLEN-2026-0041")).Should().BeNull();
    }

    [Fact]
    public async Task RecordOutcomeAsync_UnknownAggregate_ThrowsLoopNotFound()
    {
        var f = new ReplenishmentFixture();

        var act = () => f.Outcomes.RecordOutcomeAsync(ReplenishmentFixture.PageOutcome("REPLEN-2026-9999")).AsTask();

        await act.Should().ThrowAsync<LoopNotFoundException>();
    }

    [Fact]
    public async Task RecordOutcomeAsync_LateActuals_MergeWithEarlierRecord()
    {
        var f = new ReplenishmentFixture();
        await f.AddPageLoopAsync("REPLEN-2026-0041");
        await f.Outcomes.RecordOutcomeAsync(new OutcomeRecord
        {
            AggregateId = "REPLEN-2026-0041",
            Metrics = [new OutcomeMetricValue("demand", OutcomeValue.Number(200), null)],
        });

        var result = await f.Outcomes.RecordOutcomeAsync(new OutcomeRecord
        {
            AggregateId = "REPLEN-2026-0041",
            Metrics = [new OutcomeMetricValue("stockout_risk", OutcomeValue.Category("High"), OutcomeValue.Category("High"))],
        });

        result.Outcome.Metrics.Select(m => m.MetricId).Should().Equal("demand", "stockout_risk");
        result.Outcome["demand"]!.Delta.Should().BeNull();
        result.Outcome["stockout_risk"]!.IsHit.Should().BeTrue();
    }

    [Fact]
    public async Task RecordOutcomeAsync_SameOutcomeTwice_MovesEstimateOnce()
    {
        var f = new ReplenishmentFixture();
        await f.AddPageLoopAsync("REPLEN-2026-0041");
        await f.Outcomes.RecordOutcomeAsync(ReplenishmentFixture.PageOutcome("REPLEN-2026-0041"));

        var again = await f.Outcomes.RecordOutcomeAsync(ReplenishmentFixture.PageOutcome("REPLEN-2026-0041"));

        again.EstimateUpdates.Should().BeEmpty("this loop's lead time was already applied");
        var estimate = await f.Learning.GetEstimateAsync("default", "supplier_lead_time:SUP-ACME");
        estimate!.Value.Should().Be(14);
        estimate.Count.Should().Be(1);
        estimate.Version.Should().Be(1);
        again.Outcome["demand"]!.Delta.Should().Be(60);
    }

    [Fact]
    public async Task RecordOutcomeAsync_OutcomeWriteFailedAfterEstimate_RetryDoesNotMoveEstimateTwice()
    {
        var f = new ReplenishmentFixture();
        await f.AddPageLoopAsync("REPLEN-2026-0041");
        var failing = new FailingOutcomeStore(f.Learning);
        var outcomes = new LoopOutcomes(f.Store, failing, f.Registry, new SequentialLoopIdGenerator(), f.Time);

        var first = () => outcomes.RecordOutcomeAsync(ReplenishmentFixture.PageOutcome("REPLEN-2026-0041")).AsTask();
        await first.Should().ThrowAsync<IOException>();
        (await f.Learning.GetEstimateAsync("default", "supplier_lead_time:SUP-ACME"))!.Value.Should().Be(14);
        (await f.Learning.GetOutcomeAsync("default", "REPLEN-2026-0041")).Should().BeNull();

        failing.Fail = false;
        var retry = await outcomes.RecordOutcomeAsync(ReplenishmentFixture.PageOutcome("REPLEN-2026-0041"));

        retry.Outcome["lead_time"]!.Actual.Should().NotBeNull();
        var estimate = await f.Learning.GetEstimateAsync("default", "supplier_lead_time:SUP-ACME");
        estimate!.Value.Should().Be(14, "0.5·16 + 0.5·12, applied once; twice would give 15");
        estimate.Count.Should().Be(1);
        (await f.Learning.GetOutcomeAsync("default", "REPLEN-2026-0041")).Should().NotBeNull();
    }

    [Fact]
    public async Task RecordOutcomeAsync_TwoMetricsFeedOneEstimate_BothMoveIt()
    {
        var f = new ReplenishmentFixture();
        var outcomes = new LoopOutcomes(f.Store, f.Learning, new LoopRegistry().Add(ReplenishmentFixture.Definition(secondLeadTimeMetric: true)), new SequentialLoopIdGenerator(), f.Time);
        await f.AddPageLoopAsync("REPLEN-2026-0041");

        var result = await outcomes.RecordOutcomeAsync(new OutcomeRecord
        {
            AggregateId = "REPLEN-2026-0041",
            Metrics =
            [
                new OutcomeMetricValue("lead_time", OutcomeValue.Duration(TimeSpan.FromDays(12)), OutcomeValue.Duration(TimeSpan.FromDays(16))),
                new OutcomeMetricValue("carrier_lead_time", null, OutcomeValue.Duration(TimeSpan.FromDays(18))),
            ],
        });

        // 12 -> 14 (lead_time), then 0.5·18 + 0.5·14 = 16 (carrier_lead_time): the second is not mistaken for a retry.
        result.EstimateUpdates.Select(u => u.NewValue).Should().Equal(14, 16);
        var estimate = await f.Learning.GetEstimateAsync("default", "supplier_lead_time:SUP-ACME");
        estimate!.Value.Should().Be(16);
        estimate.Count.Should().Be(2);
    }

    private sealed class FailingOutcomeStore(ILearningStore inner) : ILearningStore
    {
        public bool Fail { get; set; } = true;

        public ValueTask SaveOutcomeAsync(LoopOutcome outcome, CancellationToken cancellationToken = default) =>
            Fail ? throw new IOException("disk gone") : inner.SaveOutcomeAsync(outcome, cancellationToken);

        public ValueTask<LoopOutcome?> GetOutcomeAsync(string orgId, string aggregateId, CancellationToken cancellationToken = default) =>
            inner.GetOutcomeAsync(orgId, aggregateId, cancellationToken);

        public ValueTask<Estimate?> GetEstimateAsync(string orgId, string key, CancellationToken cancellationToken = default) =>
            inner.GetEstimateAsync(orgId, key, cancellationToken);

        public ValueTask<bool> TrySaveEstimateAsync(Estimate estimate, long expectedVersion, CancellationToken cancellationToken = default) =>
            inner.TrySaveEstimateAsync(estimate, expectedVersion, cancellationToken);
    }

    [Fact]
    public async Task RecordOutcomeAsync_TraceWithoutSupplier_ReportsUnresolvedKey()
    {
        var f = new ReplenishmentFixture();
        await f.History.AddAsync("scm.replenishment", "REPLEN-2026-0050", ReplenishmentFixture.Opened, "LOW_STOCK_SIGNAL", [], LoopStatus.Cancelled);

        var result = await f.Outcomes.RecordOutcomeAsync(ReplenishmentFixture.PageOutcome("REPLEN-2026-0050"));

        result.EstimateUpdates.Should().BeEmpty();
        result.UnresolvedEstimateKeys.Should().Equal("supplier_lead_time:{evidence.supplier}");
    }

    [Fact]
    public void ResolveKey_SeveralRecordsHaveField_UsesLatest()
    {
        TransitionRecord R(long seq, string json) => new()
        {
            OrgId = "o", LoopId = "a.b", DefinitionVersion = "1.0.0", AggregateId = "X", Sequence = seq, TransitionId = "t", ToState = "S",
            Actor = Actor.System("s"), OccurredAt = ReplenishmentFixture.Opened, Evidence = Evidence.Parse(json), CorrelationId = "c",
            PreviousHash = TransitionRecord.GenesisHash, Hash = "h",
        };

        var trace = new[] { R(1, """{"supplier":"SUP-OLD"}"""), R(2, """{"supplier":"SUP-NEW"}"""), R(3, """{"supplier":null,"n":7}""") };

        LoopOutcomes.ResolveKey("lt:{evidence.supplier}:{evidence.n}", trace).Should().Be("lt:SUP-NEW:7");
        LoopOutcomes.ResolveKey("lt:{evidence.missing}", trace).Should().BeNull();
    }
}
