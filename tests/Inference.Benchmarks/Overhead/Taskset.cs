using System.Diagnostics;

namespace Inference.Benchmarks.Overhead;

/// <summary>What one run of <c>taskset</c> (and the command it ran, if any) printed.</summary>
internal sealed record TasksetRun(int ExitCode, string Output, string Errors);

/// <summary>Runs <c>taskset</c> to its end: a load generator pinned to a core, or a change to this process's cores.</summary>
internal static class Taskset
{
    public static async Task<TasksetRun> RunAsync(IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo("taskset")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        // Both streams at once: a command that fills stderr while stdout is read to its end would block.
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await Task.WhenAll(output, errors).ConfigureAwait(false);
        await process.WaitForExitAsync().ConfigureAwait(false);
        return new TasksetRun(process.ExitCode, await output.ConfigureAwait(false), await errors.ConfigureAwait(false));
    }
}
