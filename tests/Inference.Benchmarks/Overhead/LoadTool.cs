using System.Diagnostics;
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
        var start = new ProcessStartInfo("taskset")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(core.ToString(CultureInfo.InvariantCulture));
        foreach (string argument in command)
        {
            start.ArgumentList.Add(argument);
        }

        var cpuBefore = server.CpuTime;
        using var process = Process.Start(start)!;
        // Both streams at once: a tool that fills stderr while stdout is read to its end would block.
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await Task.WhenAll(output, errors).ConfigureAwait(false);
        await process.WaitForExitAsync().ConfigureAwait(false);
        return new LoadToolRun(process.ExitCode, await output.ConfigureAwait(false), await errors.ConfigureAwait(false), server.CpuTime - cpuBefore);
    }
}
