using System.Globalization;
using System.Diagnostics;
using Inference.Access.Keys;
using Inference.Tests.Shared;

namespace Inference.Benchmarks.Overhead;

/// <summary>
/// Issue 5's suite: what per-key rate limits cost on a cheap request (GET /v1/models through the real pipeline), with
/// the in-process backend and with Redis. One server per backend (Release, a child process pinned to core 0), one key store, Redis beside the load generator; A is a key with limits (too high to refuse anything, so every request is counted in
/// full), B a key without limits, alternating, medians.
/// </summary>
internal static class LimitsBenchmark
{
    private const string Title = "Rate limits (issue 5)";

    private const int ServerCore = 0;
    private const int LoadCore = 1;
    private const int Connections = 16;
    private const double InProcessGoal = 0.95;
    private const double RedisGoal = 0.70;

    public static async Task RunAsync(MarkdownReport report)
    {
        if (!Wrk.IsInstalled())
        {
            throw new InvalidOperationException(Wrk.InstallHint);
        }

        if (!OperatingSystem.IsLinux() || Environment.ProcessorCount < 2)
        {
            throw new InvalidOperationException("The limits suite needs Linux (taskset) and 2 cores: one for the servers, one for the load.");
        }

        if (RedisServer.FindExecutable() is null)
        {
            throw new InvalidOperationException("redis-server is not installed: apt-get install -y redis-server (make bench does it).");
        }

        // Everything this process runs (wrk's launches, Redis) stays off the server's core.
        string work = Directory.CreateTempSubdirectory("inference-bench-limits-").FullName;
        try
        {
            await ThisProcess.OnCoreAsync(LoadCore, () => MeasureBackendsAsync(report, work)).ConfigureAwait(false);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task MeasureBackendsAsync(MarkdownReport report, string work)
    {
        string database = Path.Combine(work, "keys.db");
        string limited, unlimited;
        using (var store = new ApiKeyStore(database))
        {
            // Counted in full (requests, tokens, a concurrency slot), never refused.
            limited = store.Create(new ApiKeySpec
            {
                Name = "limited", RequestsPerMinute = int.MaxValue, TokensPerMinute = int.MaxValue, MaxConcurrency = 1_000_000,
            }).RawKey;
            unlimited = store.Create(new ApiKeySpec { Name = "unlimited" }).RawKey;
        }

        // Redis stands for a shared service on another machine: it runs beside the load generator (whose core it
        // inherits), not on the server's core, whose CPU would otherwise pay for Redis's work too.
        using var redis = await RedisServer.StartAsync().ConfigureAwait(false);
        var rows = new List<OverheadBenchmark.Row>
        {
            await MeasureAsync("in-process", ["--Inference:Auth:RateLimitBackend=InProcess"], database, limited, unlimited, InProcessGoal).ConfigureAwait(false),
            await MeasureAsync("Redis", ["--Inference:Auth:RateLimitBackend=Redis", $"--Inference:Auth:Redis:Configuration={redis.Configuration}"],
                database, limited, unlimited, RedisGoal).ConfigureAwait(false),
        };

        OverheadBenchmark.Print(rows);
        int rounds = OverheadBenchmark.Setting("BENCH_ROUNDS", 5), seconds = OverheadBenchmark.Setting("BENCH_SECONDS", 5);
        var previous = MarkdownReport.Previous(Title);
        report.Section(
            Title,
            $"GET /v1/models (a cheap request: authentication, limits, transcoding, no model work) by wrk -t1 -c{Connections} pinned to core {LoadCore}, " +
            $"against the real server (Release, child process pinned to core {ServerCore}; redis-server on core {LoadCore} with the load generator, standing in for a Redis on another machine). A: a key with requests, " +
            "tokens and concurrency limits set high enough never to refuse, so every request is admitted, counted and released; B: a key " +
            $"without limits on the same server. {rounds} rounds of {seconds} s per side, A first then B first in turn, after {OverheadBenchmark.WarmUpDescription}, medians (the ratio is the median of the rounds' A/B ratios); \"previous run\" is the ratio the previous run of this section measured (before and after a change); \"runs\" lists every round (A / B).",
            ["comparison", "measure", "A: limits on", "B: limits off", "ratio", "goal", "verdict", "previous run", "runs"],
            rows.Select(r => r.Cells(previous)));
    }

    private static async Task<OverheadBenchmark.Row> MeasureAsync(
        string backend, string[] backendArguments, string database, string limited, string unlimited, double goal)
    {
        int http = Ports.Free(), grpc = Ports.Free();
        using var server = await PinnedProcess.StartAsync($"server ({backend})", ServerCore,
        [
            OverheadBenchmark.ServerDll(), "--Inference:Host=127.0.0.1",
            $"--Inference:Http:Port={http}", $"--Inference:Grpc:Port={grpc}",
            "--Inference:Models:0:Id=synthetic", "--Inference:Models:0:Synthetic:TokensPerSecond=0",
            $"--Inference:Auth:KeysDatabasePath={database}",
            .. backendArguments,
        ], [http, grpc]).ConfigureAwait(false);

        string url = $"http://127.0.0.1:{http}/v1/models";
        await CheckAsync(url, limited, expectHeaders: true).ConfigureAwait(false);
        await CheckAsync(url, unlimited, expectHeaders: false).ConfigureAwait(false);
        Console.WriteLine($"\nlimits, {backend} backend: GET /v1/models, wrk -t1 -c{Connections}; A: key with limits, B: key without");
        var (a, b) = await OverheadBenchmark.AlternateAsync(
            d => Wrk.RunAsync(LoadCore, Connections, d, url, null, 1, server, limited),
            d => Wrk.RunAsync(LoadCore, Connections, d, url, null, 1, server, unlimited),
            "requests/s").ConfigureAwait(false);
        return new OverheadBenchmark.Row($"limits, {backend}", "REST requests/s, limits on vs off", a, b, goal);
    }

    /// <summary>Refuses to measure a setup that does not do what it claims: limits must show in the headers.</summary>
    private static async Task CheckAsync(string url, string key, bool expectHeaders)
    {
        using var http = new HttpClient(BenchmarkKey.Sending(new SocketsHttpHandler(), key));
        using var response = await http.GetAsync(new Uri(url)).ConfigureAwait(false);
        bool counted = response.Headers.Contains("x-ratelimit-remaining-requests");
        if (!response.IsSuccessStatusCode || counted != expectHeaders)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"GET {url}: {(int)response.StatusCode}, rate limit headers {(counted ? "present" : "absent")}, expected {(expectHeaders ? "present" : "absent")}"));
        }
    }
}
