using System.Diagnostics;
using System.Globalization;

namespace Inference.Benchmarks.Overhead;

/// <summary>
/// Which cores this process's threads run on. <c>taskset -a</c> moves every thread, the runtime's own included (thread
/// pool, garbage collector, tiered compilation): on Linux, <see cref="Process.ProcessorAffinity"/> sets the main
/// thread's alone, so thread-pool threads an earlier suite started would go on running on the servers' core.
/// </summary>
internal static class ThisProcess
{
    /// <summary>Runs a suite with every thread of this process on <paramref name="core"/>, then gives them every core
    /// back, so the suites after it (the micro-benchmarks among them) run as they do on their own.</summary>
    public static async Task OnCoreAsync(int core, Func<Task> suite)
    {
        await MoveToAsync(core.ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
        try
        {
            await suite().ConfigureAwait(false);
        }
        finally
        {
            await MoveToAsync($"0-{Environment.ProcessorCount - 1}").ConfigureAwait(false);
        }
    }

    /// <summary>Moves every thread of this process to <paramref name="cores"/> (a taskset list: "1", "0-1").</summary>
    public static async Task MoveToAsync(string cores)
    {
        var start = new ProcessStartInfo("taskset") { RedirectStandardOutput = true };
        foreach (string argument in new[] { "-a", "-cp", cores, Environment.ProcessId.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }

        using var taskset = Process.Start(start)!;
        await taskset.StandardOutput.ReadToEndAsync().ConfigureAwait(false);
        await taskset.WaitForExitAsync().ConfigureAwait(false);
        if (taskset.ExitCode != 0)
        {
            throw new InvalidOperationException($"taskset -a -cp {cores} failed ({taskset.ExitCode})");
        }
    }
}
