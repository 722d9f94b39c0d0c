using System.Globalization;

namespace Inference.Benchmarks.Overhead;

/// <summary>What one run of a load generator printed, and the server CPU time it cost.</summary>
internal sealed record LoadToolRun(int ExitCode, string Output, string Errors, TimeSpan ServerCpu);

/// <summary>Runs an external load generator (wrk, h2load) to its end, pinned to one core with taskset.</summary>
internal static class LoadTool
{
    /// <summary>Whether <paramref name="name"/> is an executable on the PATH.</summary>
    public static bool IsInstalled(string name) =>
        Environment.GetEnvironmentVariable("PATH")?.Split(':').Any(folder => File.Exists(Path.Combine(folder, name))) == true;

    public static async Task<LoadToolRun> RunAsync(int core, IEnumerable<string> command, PinnedProcess server)
    {
        var cpuBefore = server.CpuTime;
        var run = await Taskset.RunAsync(["-c", core.ToString(CultureInfo.InvariantCulture), .. command]).ConfigureAwait(false);
        return new LoadToolRun(run.ExitCode, run.Output, run.Errors, server.CpuTime - cpuBefore);
    }
}
