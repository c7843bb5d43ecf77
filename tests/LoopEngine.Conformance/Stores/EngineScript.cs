namespace LoopEngine.Conformance.Stores;

/// <summary>
/// R4: one fixed, seeded random script of engine requests (starts, transitions by humans, automations and AI agents,
/// approvals, cancellations, clock steps). Run on any store it must give identical traces: ids, states, actors,
/// evidence and hashes.
/// </summary>
public static class EngineScript
{
    private static readonly Actor[] Actors =
    [
        Actor.Human("drew.kim@lumebonde.co"),
        Actor.Automation("system:replenishment"),
        Actor.AiAgent("agent:commerce-gateway/claude", "claude-sonnet-4", "anthropic", 0.92),
    ];

    private static readonly string[] ProcurementTransitions = ["confirm_po", "schedule_receipt", "receive", "close", "cancel", "dispute"];

    private static readonly string[] Evidences =
    [
        "{}",
        """{"approved":true}""",
        """{"warehouse":"DC-East","eta":"2026-02-17"}""",
        """{"approved":true,"warehouse":"DC-West","eta":"2026-03-01","note":"ünïcødé 💥"}""",
    ];

    /// <summary>Runs the script on a fresh store and returns, per aggregate (ordinal order), its trace as canonical JSON and hash, plus the log of outcomes.</summary>
    /// <param name="store">An empty store.</param>
    /// <param name="seed">The script's seed.</param>
    /// <param name="steps">How many requests.</param>
    /// <returns>The lines to compare across stores.</returns>
    public static async Task<List<string>> RunAsync(ILoopStore store, int seed = 20260214, int steps = 160)
    {
        var (engine, _, time) = EngineOnStoreConformanceTests.CreateEngine(store);
        var random = new Random(seed);
        var aggregates = new List<string>();
        var pending = new List<string>();
        var log = new List<string>();
        for (var step = 0; step < steps; step++)
        {
            time.Advance(TimeSpan.FromMilliseconds(random.Next(1, 90_000)));
            var roll = random.Next(100);
            try
            {
                if (aggregates.Count == 0 || roll < 12)
                {
                    var counter = random.Next(4) == 0;
                    var id = (counter ? "C-" : "PO-") + aggregates.Count.ToString("000", System.Globalization.CultureInfo.InvariantCulture);
                    var started = await engine.StartAsync(new StartLoopRequest { LoopId = counter ? "test.counter" : "scm.procurement", AggregateId = id, Actor = Actors[1], CorrelationId = "corr-" + step });
                    aggregates.Add(id);
                    log.Add($"{step} start {id} {started.CurrentState}");
                }
                else if (pending.Count > 0 && roll < 22)
                {
                    var recommendation = pending[random.Next(pending.Count)];
                    pending.Remove(recommendation);
                    var approved = await engine.ApproveAsync(new ApprovalRequest { RecommendationId = recommendation, Approver = Actors[0], Evidence = Evidence.Parse(Evidences[random.Next(Evidences.Length)]) });
                    log.Add($"{step} approve {recommendation} {approved.Outcome} {approved.Record?.Hash}");
                }
                else if (roll < 26)
                {
                    var id = aggregates[random.Next(aggregates.Count)];
                    var cancelled = await engine.CancelAsync(new EndLoopRequest { AggregateId = id, Actor = Actors[0], Reason = "script " + step });
                    log.Add($"{step} cancel {id} {cancelled.Status} {cancelled.HeadHash}");
                }
                else
                {
                    var id = aggregates[random.Next(aggregates.Count)];
                    var transition = id.StartsWith("C-", StringComparison.Ordinal) ? (random.Next(6) == 0 ? "finish" : "tick") : ProcurementTransitions[random.Next(ProcurementTransitions.Length)];
                    var actor = Actors[random.Next(Actors.Length)];
                    var result = await engine.TransitionAsync(new TransitionRequest { AggregateId = id, TransitionId = transition, Actor = actor, Evidence = Evidence.Parse(Evidences[random.Next(Evidences.Length)]) });
                    if (result.IsPending)
                    {
                        pending.Add(result.Recommendation!.Id);
                    }

                    log.Add($"{step} {transition} {id} {result.Outcome} {result.Record?.Hash} {result.Recommendation?.Id}");
                }
            }
#pragma warning disable CA1031 // The script logs whatever the engine refuses; every store must refuse the same way.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                log.Add($"{step} threw {ex.GetType().Name}");
            }
        }

        foreach (var id in aggregates.Order(StringComparer.Ordinal))
        {
            var instance = (await engine.GetInstanceAsync(id))!;
            log.Add($"instance {id} {instance.CurrentState} {instance.Status} v{instance.Version} {instance.HeadHash} pending={instance.PendingRecommendationCount}");
            foreach (var record in await engine.GetTraceAsync(id))
            {
                log.Add(TraceCanonicalizer.ToCanonicalJson(record) + " " + record.Hash);
            }

            (await engine.VerifyTraceAsync(id)).IsValid.Should().BeTrue();
        }

        return log;
    }
}
