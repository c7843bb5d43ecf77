using System.Text;
using LoopEngine;

namespace LoopEngine.Benchmarks;

/// <summary>The loop, actors, evidence and engine setup the benchmarks share.</summary>
internal static class BenchLoops
{
    public const string GuardId = "amount_within_limit";

    public static readonly Actor Human = Actor.Human("drew.kim@lumebonde.co");
    public static readonly Actor Automation = Actor.Automation("system:replenishment");

    /// <summary>An actor type the <c>tick</c> transition does not allow and that may not recommend it.</summary>
    public static readonly Actor Webhook = Actor.Webhook("webhook:erp");

    public const string SmallEvidenceJson = "{\"approved\":true,\"method\":\"3-way-match\"}";

    /// <summary>About 1 KB of evidence: the small fields plus a note padding the document to 1,024 bytes.</summary>
    public static string OneKbEvidenceJson { get; } = BuildOneKb();

    /// <summary>A self-transition loop (every request on one aggregate executes) with one runtime guard and an actor policy.</summary>
    public static LoopDefinition Counter() =>
        LoopDefinition.Create("bench.counter", "1.0.0")
            .AddState("COUNTING", s => s.Initial())
            .AddState("DONE", s => s.Terminal())
            .AddTransition("tick", "COUNTING", "COUNTING", t => t
                .AllowActors(ActorType.Automation, ActorType.Human)
                .AddGuard(GuardId, "The amount is within the approver's limit.", "The amount exceeds the limit."))
            .AddTransition("finish", "COUNTING", "DONE", t => t.AllowActors(ActorType.Automation))
            .WithOutcome("counted", "Counting finished", "count")
            .Build();

    public static LoopRuntime CreateRuntime(ILoopStore store)
    {
        var registry = new LoopRegistry();
        registry.Add(Counter());
        var guards = new Dictionary<string, ILoopGuard>(StringComparer.Ordinal)
        {
            [GuardId] = BuiltInGuards.From(static _ => GuardResult.Pass),
        };
        return new LoopRuntime(store, registry, guards: guards);
    }

    public static Evidence Evidence(string size) => LoopEngine.Evidence.Parse(size == "1KB" ? OneKbEvidenceJson : SmallEvidenceJson);

    private static string BuildOneKb()
    {
        var prefix = "{\"approved\":true,\"method\":\"3-way-match\",\"note\":\"";
        const string Suffix = "\"}";
        var sb = new StringBuilder(prefix);
        sb.Append('x', 1024 - Encoding.UTF8.GetByteCount(prefix) - Suffix.Length);
        sb.Append(Suffix);
        return sb.ToString();
    }
}
