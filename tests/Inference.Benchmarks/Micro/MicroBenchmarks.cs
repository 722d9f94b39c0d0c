using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Inference.Benchmarks.Micro;

/// <summary>
/// Issue 6's micro-benchmarks of the hot path with BenchmarkDotNet: time and managed allocation per operation. They
/// run in this process (the in-process toolchain: no per-benchmark project build, so <c>make bench</c> stays short)
/// with BenchmarkDotNet's short job (3 warm-up and 3 measured iterations of many operations each).
/// </summary>
internal static class MicroBenchmarks
{
    private static readonly Type[] Suites =
    [
        typeof(TokenizerBenchmarks), typeof(SamplingBenchmarks), typeof(StopSequenceBenchmarks),
        typeof(SseChunkBenchmarks), typeof(ChatHandlerBenchmarks),
    ];

    public static void Run(MarkdownReport report)
    {
        var config = ManualConfig.CreateEmpty()
            .AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance))
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .AddLogger(ConsoleLogger.Default)
            .WithOption(ConfigOptions.DisableLogFile, true)
            .WithArtifactsPath(Path.Combine(Path.GetTempPath(), "inference-benchmarkdotnet"));
        var rows = new List<IReadOnlyList<string>>();
        foreach (var summary in BenchmarkRunner.Run(Suites, config))
        {
            foreach (var benchmark in summary.Reports)
            {
                rows.Add(Row(benchmark));
            }
        }

        report.Section(
            "Hot-path micro-benchmarks (issue 6)",
            "BenchmarkDotNet, in-process toolchain, short job (3 warm-up + 3 measured iterations), medians per operation; " +
            "allocated is managed bytes per operation (MemoryDiagnoser). tiny-chat's tokenizer; a 32k-entry vocabulary for sampling.",
            ["operation", "median", "allocated"],
            rows);
    }

    private static string[] Row(BenchmarkReport benchmark)
    {
        string name = benchmark.BenchmarkCase.Descriptor.WorkloadMethodDisplayInfo;
        if (benchmark.ResultStatistics is not { } statistics)
        {
            return [name, "failed", "-"];
        }

        long bytes = benchmark.GcStats.GetBytesAllocatedPerOperation(benchmark.BenchmarkCase) ?? 0;
        return [name, Time(statistics.Median), $"{bytes} B"];
    }

    private static string Time(double nanoseconds) => nanoseconds switch
    {
        < 1_000 => $"{MarkdownReport.Format(nanoseconds)} ns",
        < 1_000_000 => $"{MarkdownReport.Format(nanoseconds / 1_000, "F2")} µs",
        _ => $"{MarkdownReport.Format(nanoseconds / 1_000_000, "F2")} ms",
    };
}
