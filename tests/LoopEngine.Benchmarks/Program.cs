using System.Globalization;
using System.Text;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

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

        if (list.Remove("--profile"))
        {
            await ProfileScenario.RunAsync(200_000);
            return 0;
        }

        var smoke = list.Remove("--smoke");
        var job = smoke
            ? Job.Dry.WithWarmupCount(1).WithIterationCount(1).WithToolchain(InProcessEmitToolchain.Instance).WithId("Smoke")
            : Job.ShortRun.WithWarmupCount(3).WithIterationCount(5).WithToolchain(InProcessEmitToolchain.Instance).WithId("ShortInProcess");
        var config = DefaultConfig.Instance
            .AddJob(job)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .WithOptions(ConfigOptions.JoinSummary);
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(list.ToArray(), config).ToList();
        Console.WriteLine(TargetsTable.Render(summaries));
        return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
    }
}

/// <summary>Computes ours-versus-baseline ratios from BenchmarkDotNet summaries and checks them against TARGETS.md.</summary>
internal static class TargetsTable
{
    private sealed record Target(string Id, string Description, double MaxTimeRatio, double? MaxAllocRatio);

    private static readonly Dictionary<string, Target> Targets = new(StringComparer.Ordinal)
    {
        [nameof(E1TransitionBenchmark)] = new("E1", "time <= 2.0x, alloc <= 2.0x", 2.0, 2.0),
        [nameof(E2RejectedRequestBenchmark)] = new("E2", "time <= 3.0x, 0 trace writes", 3.0, null),
        [nameof(V1VerifyTraceBenchmark)] = new("V1", ">= 0.5x (time <= 2.0x)", 2.0, null),
        [nameof(G1SignalPipelineBenchmark)] = new("G1", "time <= 2.0x, >= 1M events/s", 2.0, null),
    };

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
            if (baseline is null)
            {
                continue;
            }

            Targets.TryGetValue(group.Key.Name, out var classTarget);
            foreach (var ours in group.Where(r => !r.BenchmarkCase.Descriptor.Baseline))
            {
                // A method in the "Reference" category is shown for comparison only; the target is not checked on it.
                var target = ours.BenchmarkCase.Descriptor.Categories.Contains("Reference", StringComparer.Ordinal) ? null : classTarget;
                var ratio = ours.ResultStatistics!.Mean / baseline.ResultStatistics!.Mean;
                var oursAlloc = ours.GcStats.GetBytesAllocatedPerOperation(ours.BenchmarkCase);
                var baseAlloc = baseline.GcStats.GetBytesAllocatedPerOperation(baseline.BenchmarkCase);
                double? allocRatio = oursAlloc is { } o && baseAlloc is > 0 ? o / (double)baseAlloc.Value : null;
                var met = target is null ? "-"
                    : ratio <= target.MaxTimeRatio && (target.MaxAllocRatio is null || (allocRatio is { } a && a <= target.MaxAllocRatio)) ? "met" : "MISSED";
                var scenario = $"{group.Key.Name}.{ours.BenchmarkCase.Descriptor.WorkloadMethod.Name} {group.Key.DisplayInfo}".Trim();
                sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {target?.Id ?? "?"} | {scenario} | {Time(ours.ResultStatistics.Mean)} | {Time(baseline.ResultStatistics.Mean)} | {ratio:0.00}x | {Bytes(oursAlloc)} / {Bytes(baseAlloc)} | {(allocRatio is { } ar ? ar.ToString("0.00", CultureInfo.InvariantCulture) + "x" : "-")} | {target?.Description ?? "-"} | {met} |"));
            }
        }

        return sb.ToString();
    }

    private static string Time(double ns) => ns switch
    {
        >= 1_000_000 => string.Create(CultureInfo.InvariantCulture, $"{ns / 1_000_000:0.00} ms"),
        >= 1_000 => string.Create(CultureInfo.InvariantCulture, $"{ns / 1_000:0.00} us"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{ns:0.0} ns"),
    };

    private static string Bytes(long? bytes) => bytes is { } b ? string.Create(CultureInfo.InvariantCulture, $"{b:N0} B") : "?";
}
