using System.Globalization;
using System.Text.RegularExpressions;

namespace Inference.Benchmarks.Overhead;

/// <summary>
/// The HTTP load generator: <c>wrk</c> (Debian package <c>wrk</c>) pinned to the load core, POSTing a fixed JSON
/// body from a Lua script. It reads every response to its end, so a streamed response counts once fully received.
/// </summary>
internal static partial class Wrk
{
    public const string InstallHint = "wrk is not installed: apt-get update && apt-get install -y wrk";

    public static bool IsInstalled() => LoadTool.IsInstalled("wrk");

    /// <summary>Runs wrk for <paramref name="duration"/>; <paramref name="unitsPerRequest"/> turns requests into
    /// units (tokens for a stream).</summary>
    /// <param name="body">The JSON to POST, or null to GET.</param>
    /// <param name="apiKey">The key every request carries (the benchmark key by default).</param>
    public static async Task<Measurement> RunAsync(
        int core, int connections, TimeSpan duration, string url, string? body, int unitsPerRequest, PinnedProcess server,
        string apiKey = BenchmarkKey.Value)
    {
        string script = Path.Combine(Path.GetTempPath(), $"inference-bench-{Environment.ProcessId}.lua");
        await File.WriteAllTextAsync(script,
            $"wrk.headers[\"Authorization\"] = \"Bearer {apiKey}\"\n" +
            (body is null
                ? "wrk.method = \"GET\"\n"
                : "wrk.method = \"POST\"\n" +
                  "wrk.headers[\"Content-Type\"] = \"application/json\"\n" +
                  $"wrk.body = [==[{body}]==]\n")).ConfigureAwait(false);
        var run = await LoadTool.RunAsync(core,
        [
            "wrk", "-t1", $"-c{connections.ToString(CultureInfo.InvariantCulture)}",
            $"-d{((int)duration.TotalSeconds).ToString(CultureInfo.InvariantCulture)}s", "-s", script, url,
        ], server).ConfigureAwait(false);
        string output = run.Output;
        File.Delete(script);
        if (run.ExitCode != 0 || output.Contains("Non-2xx", StringComparison.Ordinal) || output.Contains("Socket errors", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"wrk failed or saw errors against {url}:\n{output}\n{run.Errors}");
        }

        var requests = RequestsLine().Match(output);
        if (!requests.Success)
        {
            throw new InvalidOperationException($"could not read wrk's output:\n{output}");
        }

        long count = long.Parse(requests.Groups[1].Value, CultureInfo.InvariantCulture);
        double seconds = ParseSeconds(requests.Groups[2].Value);
        long units = count * unitsPerRequest;
        return new Measurement(units / seconds, count, run.ServerCpu.TotalMilliseconds * 1000 / Math.Max(units, 1));
    }

    private static double ParseSeconds(string text) =>
        text.EndsWith("ms", StringComparison.Ordinal) ? double.Parse(text[..^2], CultureInfo.InvariantCulture) / 1000
        : text.EndsWith('m') ? double.Parse(text[..^1], CultureInfo.InvariantCulture) * 60
        : double.Parse(text.TrimEnd('s'), CultureInfo.InvariantCulture);

    // "  12345 requests in 5.00s, 1.23MB read"
    [GeneratedRegex(@"(\d+) requests in ([\d.]+m?s?)")]
    private static partial Regex RequestsLine();
}
