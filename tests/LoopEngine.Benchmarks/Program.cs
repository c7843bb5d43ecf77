using System.Globalization;
using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using LoopEngine.Sqlite;

namespace LoopEngine.Benchmarks;

/// <summary>
/// Runs the benchmarks in process. Switches (before any BenchmarkDotNet arguments):
/// <c>--smoke</c> one warm-up and one iteration (CI: do the benchmarks still execute?);
/// <c>--m1 [counts]</c> memory per open instance; <c>--e3 [opsPerThread]</c> multi-threaded throughput;
/// otherwise a short job (3 warm-ups, 5 iterations). After a BenchmarkDotNet run, prints the targets table.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var list = args.ToList();
        if (list.Remove("--m1"))
        {
            var counts = list.Where(a => int.TryParse(a, CultureInfo.InvariantCulture, out _)).Select(a => int.Parse(a, CultureInfo.InvariantCulture)).ToList();
            await ConsoleScenarios.RunM1Async(counts.Count > 0 ? counts : [10_000, 100_000]);
            return 0;
        }

        if (list.Remove("--e3"))
        {
            var ops = list.Select(a => int.TryParse(a, CultureInfo.InvariantCulture, out var n) ? n : 0).FirstOrDefault(n => n > 0);
            await ConsoleScenarios.RunE3Async(Environment.ProcessorCount, ops > 0 ? ops : 200_000);
            return 0;
        }

        if (list.Remove("--profile-stores"))
        {
            var ops = list.Select(a => int.TryParse(a, CultureInfo.InvariantCulture, out var n) ? n : 0).FirstOrDefault(n => n > 0);
            SqliteSynchronousMode? only = list.Remove("normal") ? SqliteSynchronousMode.Normal : list.Remove("full") ? SqliteSynchronousMode.Full : null;
            var writersOnly = list.Remove("writers");
            var singleOnly = list.Remove("single");
            await StoreProfileScenario.RunAsync(ops > 0 ? ops : 300, only, writersOnly, singleOnly);
            return 0;
        }

        if (list.Remove("--profile"))
        {
            await ProfileScenario.RunAsync(200_000);
            return 0;
        }

        var smoke = list.Remove("--smoke");
        StoreBench.Smoke = smoke;
        var job = smoke
            ? Job.Dry.WithWarmupCount(1).WithIterationCount(1).WithToolchain(InProcessEmitToolchain.Instance).WithId("Smoke")
            : Job.ShortRun.WithWarmupCount(3).WithIterationCount(5).WithToolchain(InProcessEmitToolchain.Instance).WithId("ShortInProcess");
        var config = DefaultConfig.Instance
            .AddJob(job)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .WithOptions(ConfigOptions.JoinSummary);

        // The PostgreSQL scenarios need a server: without LOOPENGINE_POSTGRES they are skipped (and listed as skipped), not failed.
        var types = typeof(Program).Assembly.GetTypes()
            .Where(t => t is { IsPublic: true, IsAbstract: false } && t.GetMethods().Any(m => m.IsDefined(typeof(BenchmarkAttribute), inherit: true)))
            .ToList();
        if (StoreBench.Postgres is null)
        {
            var skipped = types.Where(t => t.IsAssignableTo(typeof(PostgreSqlBenchmarkBase))).ToList();
            types.RemoveAll(skipped.Contains);
            TargetsTable.Skipped.AddRange(skipped.Select(t => t.Name));
        }

        var summaries = BenchmarkSwitcher.FromTypes(types.ToArray()).Run(list.ToArray(), config).ToList();
        Console.WriteLine(TargetsTable.Render(summaries));
        foreach (var failure in StoreBench.Failures)
        {
            Console.Error.WriteLine("FAILED CHECK: " + failure);
        }

        return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) || !StoreBench.Failures.IsEmpty ? 1 : 0;
    }
}

/// <summary>Computes ours-versus-baseline ratios from BenchmarkDotNet summaries and checks them against TARGETS.md.</summary>
internal static class TargetsTable
{
    private sealed record Target(string Id, string Description, double MaxTimeRatio, double? MaxAllocRatio, double? MaxAbsoluteNs = null);

    private static readonly Dictionary<string, Target> Targets = new(StringComparer.Ordinal)
    {
        [nameof(E1TransitionBenchmark)] = new("E1", "time <= 2.0x, alloc <= 2.0x", 2.0, 2.0),
        [nameof(E2RejectedRequestBenchmark)] = new("E2", "time <= 3.0x, 0 trace writes", 3.0, null),
        [nameof(V1VerifyTraceBenchmark)] = new("V1", ">= 0.5x (time <= 2.0x)", 2.0, null),
        [nameof(S1SqliteFullBenchmark)] = new("S1", ">= 0.8x (time <= 1.25x)", 1.25, null),
        [nameof(S2SqliteNormalBenchmark)] = new("S2", ">= 0.5x (time <= 2.0x)", 2.0, null),
        [nameof(S3SqliteGroupCommitBenchmark)] = new("S3", ">= 10x S1 transitions/s (time/op <= 0.10x)", 0.10, null),
        [nameof(S3RawCeilingBenchmark)] = new("S3 ceiling", "reference, not a target: S3's writes without the engine", double.PositiveInfinity, null),
        [nameof(P1PostgreSqlSingleClientBenchmark)] = new("P1", ">= 0.7x (time <= 1.43x)", 1 / 0.7, null),
        [nameof(P2PostgreSqlConcurrentClientsBenchmark)] = new("P2", ">= 0.7x (time/op <= 1.43x)", 1 / 0.7, null),
        [nameof(P3PostgreSqlOneAggregateBenchmark)] = new("P3", "report successes/s, conflicts, retries; 0 anomalies", double.PositiveInfinity, null),
        [nameof(MetricsSteadyStateBenchmark)] = new("#8", "well under 1 s (steady state)", double.PositiveInfinity, null, 1e9),
        [nameof(MetricsColdCatchUpBenchmark)] = new("#8", "report (one-off cold catch-up)", double.PositiveInfinity, null),
        [nameof(G1SignalPipelineBenchmark)] = new("G1", "time <= 2.0x, >= 1M events/s", 2.0, null),
        [nameof(E3ScalingBenchmark)] = new(
            "E3",
            string.Create(CultureInfo.InvariantCulture, $"throughput >= 0.7 x {E3ScalingBenchmark.Threads} threads (time <= {1 / (0.7 * E3ScalingBenchmark.Threads):0.00}x)"),
            1 / (0.7 * E3ScalingBenchmark.Threads),
            null),
        [nameof(M1MemoryPerInstanceBenchmark)] = new("M1", "report the starts (memory held: the M1 row below)", double.PositiveInfinity, null),
    };

    /// <summary>Gets the benchmark classes that did not run (PostgreSQL without a connection string), listed as skipped.</summary>
    public static List<string> Skipped { get; } = [];

    /// <summary>
    /// Gets rows measured outside BenchmarkDotNet (hook for the console scenarios such as E3 and M1): id, scenario, ours,
    /// baseline, time ratio, allocated, alloc ratio, target, met.
    /// </summary>
    public static List<string[]> ExtraRows { get; } = [];

    public static string Render(IReadOnlyList<Summary> summaries)
    {
        var reports = summaries.SelectMany(s => s.Reports).Where(r => r.ResultStatistics is not null).ToList();
        var sb = new StringBuilder();
        sb.AppendLine();
        sb.AppendLine("| id | scenario | ours | baseline | time ratio | allocated ours / baseline | alloc ratio | target | met |");
        sb.AppendLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | --- |");
        foreach (var group in reports.GroupBy(r => (r.BenchmarkCase.Descriptor.Type.Name, r.BenchmarkCase.Parameters.DisplayInfo)))
        {
            var baseline = group.FirstOrDefault(r => r.BenchmarkCase.Descriptor.Baseline);
            Targets.TryGetValue(group.Key.Name, out var classTarget);
            if (baseline is null)
            {
                if (classTarget is not null)
                {
                    RenderWithoutBaseline(sb, group.Key.Name, group.Key.DisplayInfo, group, classTarget);
                }

                continue;
            }

            foreach (var ours in group.Where(r => !r.BenchmarkCase.Descriptor.Baseline))
            {
                // A method in the "Reference" category is shown for comparison only; the target is not checked on it.
                var target = ours.BenchmarkCase.Descriptor.Categories.Contains("Reference", StringComparer.Ordinal) ? null : classTarget;
                var ratio = ours.ResultStatistics!.Mean / baseline.ResultStatistics!.Mean;
                var oursAlloc = ours.GcStats.GetBytesAllocatedPerOperation(ours.BenchmarkCase);
                var baseAlloc = baseline.GcStats.GetBytesAllocatedPerOperation(baseline.BenchmarkCase);
                double? allocRatio = oursAlloc is { } o && baseAlloc is > 0 ? o / (double)baseAlloc.Value : null;
                var met = target is null ? "-"
                    : StoreBench.Smoke ? "smoke: not judged"
                    : StoreBench.Failures.Any(f => f.StartsWith(target.Id, StringComparison.Ordinal)) ? "MISSED (failed check)"
                    : ratio <= target.MaxTimeRatio && (target.MaxAllocRatio is null || (allocRatio is { } a && a <= target.MaxAllocRatio)) ? "met" : "MISSED";
                var scenario = $"{group.Key.Name}.{ours.BenchmarkCase.Descriptor.WorkloadMethod.Name} {group.Key.DisplayInfo}".Trim();
                sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {classTarget?.Id ?? "?"} | {scenario} | {Time(ours.ResultStatistics.Mean)} | {Time(baseline.ResultStatistics.Mean)} | {ratio:0.00}x | {Bytes(oursAlloc)} / {Bytes(baseAlloc)} | {(allocRatio is { } ar ? ar.ToString("0.00", CultureInfo.InvariantCulture) + "x" : "-")} | {target?.Description ?? "-"} | {met} |"));
            }
        }

        foreach (var row in ExtraRows)
        {
            sb.AppendLine("| " + string.Join(" | ", row) + " |");
        }

        foreach (var name in Skipped)
        {
            var id = Targets.TryGetValue(name, out var t) ? t.Id : "?";
            sb.AppendLine($"| {id} | {name} | - | - | - | - | - | {t?.Description ?? "-"} | skipped: {StoreBench.PostgresVariable} is not set |");
        }

        if (!StoreBench.Notes.IsEmpty)
        {
            sb.AppendLine();
            foreach (var note in StoreBench.Notes)
            {
                sb.AppendLine("- " + note);
            }
        }

        return sb.ToString();
    }

    // Scenarios with no baseline: an absolute bound (metrics) or counts checked by the benchmark itself (P3).
    private static void RenderWithoutBaseline(StringBuilder sb, string name, string parameters, IEnumerable<BenchmarkReport> reports, Target target)
    {
        foreach (var ours in reports)
        {
            var mean = ours.ResultStatistics!.Mean;
            var failed = StoreBench.Failures.Any(f => f.StartsWith(target.Id, StringComparison.Ordinal));
            var met = failed ? "MISSED" : StoreBench.Smoke ? "smoke: not judged" : target.MaxAbsoluteNs is { } max ? (mean <= max ? "met" : "MISSED") : "reported";
            var perSecond = string.Create(CultureInfo.InvariantCulture, $"{1e9 / mean:#,0.##}/s");
            var scenario = $"{name}.{ours.BenchmarkCase.Descriptor.WorkloadMethod.Name} {parameters}".Trim();
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {target.Id} | {scenario} | {Time(mean)} ({perSecond}) | - | - | {Bytes(ours.GcStats.GetBytesAllocatedPerOperation(ours.BenchmarkCase))} | - | {target.Description} | {met} |"));
        }
    }

    private static string Time(double ns) => ns switch
    {
        >= 1_000_000_000 => string.Create(CultureInfo.InvariantCulture, $"{ns / 1_000_000_000:0.00} s"),
        >= 1_000_000 => string.Create(CultureInfo.InvariantCulture, $"{ns / 1_000_000:0.00} ms"),
        >= 1_000 => string.Create(CultureInfo.InvariantCulture, $"{ns / 1_000:0.00} us"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{ns:0.0} ns"),
    };

    private static string Bytes(long? bytes) => bytes is { } b ? string.Create(CultureInfo.InvariantCulture, $"{b:N0} B") : "?";
}
