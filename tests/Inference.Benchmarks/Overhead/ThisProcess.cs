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
    /// <summary>Runs a suite with every thread of this process on <paramref name="core"/>, then gives every thread
    /// back the cores the process had, so the suites after it (the micro-benchmarks among them) run as they do on
    /// their own.</summary>
    public static async Task OnCoreAsync(int core, Func<Task> suite)
    {
        // "pid 1234's current affinity mask: 3"
        string original = (await TasksetAsync("-p").ConfigureAwait(false)).Split(':')[^1].Trim();
        await MoveToAsync(core).ConfigureAwait(false);
        try
        {
            await suite().ConfigureAwait(false);
        }
        finally
        {
            await TasksetAsync("-a", "-p", original).ConfigureAwait(false);
        }
    }

    /// <summary>Moves every thread of this process to <paramref name="core"/>.</summary>
    public static Task MoveToAsync(int core) => TasksetAsync("-a", "-cp", core.ToString(CultureInfo.InvariantCulture));

    /// <summary>Runs taskset on this process; its output.</summary>
    private static async Task<string> TasksetAsync(params string[] arguments)
    {
        var run = await Taskset.RunAsync([.. arguments, Environment.ProcessId.ToString(CultureInfo.InvariantCulture)]).ConfigureAwait(false);
        if (run.ExitCode != 0)
        {
            throw new InvalidOperationException($"taskset {string.Join(' ', arguments)} failed ({run.ExitCode}): {run.Errors}");
        }

        return run.Output;
    }
}
