using System.Net.Http.Headers;
using Inference.Access.Keys;
using Inference.Server.Tests.Support;
using Inference.Tests.Shared;

namespace Inference.Server.Tests;

/// <summary>
/// Two server processes, one real redis-server (started here on a free port): the replicas enforce one combined
/// budget, and when Redis goes away each follows its configured policy (A fails open, B fails closed), logs it, and
/// keeps serving; when Redis comes back both enforce limits again.
/// </summary>
[NonParallelizable]
public sealed class SharedRateLimitTests
{
    private RedisServer _redis = null!;
    private string _folder = null!;
    private ServerProcess _failOpen = null!;
    private ServerProcess _failClosed = null!;
    private readonly Dictionary<string, string> _keys = [];

    [OneTimeSetUp]
    public async Task StartRedisAndTwoServers()
    {
        Assert.That(RedisServer.FindExecutable(), Is.Not.Null, "redis-server is missing: run `make test-deps` (it installs redis-server).");
        _redis = await RedisServer.StartAsync();
        _folder = Directory.CreateTempSubdirectory("inference-shared-limits-").FullName;
        var database = Path.Combine(_folder, "keys.db");
        using (var store = new ApiKeyStore(database))
        {
            foreach (var (name, rpm) in new[] { ("budget", 6), ("outage", 2), ("probe", 100_000) })
            {
                _keys[name] = store.Create(new ApiKeySpec { Name = name, RequestsPerMinute = rpm }).RawKey;
            }
        }

        string[] Arguments(string failureMode) =>
        [
            "--Inference:Models:0:Id=synthetic", "--Inference:Models:0:Synthetic:TokensPerSecond=0",
            $"--Inference:Auth:KeysDatabasePath={database}",
            "--Inference:Auth:RateLimitBackend=Redis",
            $"--Inference:Auth:Redis:Configuration={_redis.Configuration}",
            $"--Inference:Auth:Redis:FailureMode={failureMode}",
        ];
        var starting = new[] { ServerProcess.StartAsync(Arguments("FailOpen")), ServerProcess.StartAsync(Arguments("FailClosed")) };
        await Task.WhenAll(starting).WaitAsync(TimeSpan.FromSeconds(90));
        (_failOpen, _failClosed) = (starting[0].Result, starting[1].Result);
    }

    [OneTimeTearDown]
    public void StopEverything()
    {
        _failOpen?.Dispose();
        _failClosed?.Dispose();
        _redis?.Dispose();
        if (_folder is not null)
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Test]
    public async Task TwoServers_EnforceOneCombinedRequestsPerMinuteBudget()
    {
        await WaitUntilBothCountInRedisAsync();
        var answers = new List<(string Server, int Status, string? Remaining)>();
        for (var i = 0; i < 12; i++)
        {
            var (name, server) = i % 2 == 0 ? ("A", _failOpen) : ("B", _failClosed);
            using var response = await GetModelsAsync(server, _keys["budget"]);
            answers.Add((name, (int)response.StatusCode, response.Headers.TryGetValues("x-ratelimit-remaining-requests", out var v) ? v.Single() : null));
        }

        var summary = string.Join(", ", answers.Select(a => $"{a.Server}:{a.Status}/{a.Remaining}"));
        Assert.That(answers.Count(a => a.Status == 200), Is.EqualTo(6), "6 per minute across both servers: " + summary);
        Assert.That(answers.Take(6).Select(a => a.Remaining), Is.EqualTo(new[] { "5", "4", "3", "2", "1", "0" }), "one countdown shared: " + summary);
        Assert.That(answers.Skip(6).Select(a => a.Status), Is.All.EqualTo(429), "both servers refuse once it is spent: " + summary);
    }

    [Test]
    public async Task RedisStopped_FailOpenAdmits_FailClosedRefuses_BothKeepServing_ThenLimitsReturn()
    {
        await _redis.StopAsync();
        try
        {
            for (var i = 0; i < 4; i++)
            {
                using var admitted = await GetModelsAsync(_failOpen, _keys["outage"]);
                Assert.That((int)admitted.StatusCode, Is.EqualTo(200), $"fail open admits beyond the 2 per minute (request {i + 1})");
                Assert.That(admitted.Headers.Contains("x-ratelimit-remaining-requests"), Is.False, "no budget is known, so none is claimed");
            }

            using var refused = await GetModelsAsync(_failClosed, _keys["outage"]);
            var body = await refused.Content.ReadAsStringAsync().DefaultTimeout();
            Assert.That((int)refused.StatusCode, Is.EqualTo(503), body);
            Assert.That(body, Does.Contain("rate_limits_unavailable"));
            Assert.That(refused.Headers.RetryAfter?.Delta, Is.Not.Null, "Retry-After");

            foreach (var server in new[] { _failOpen, _failClosed })
            {
                using var http = new HttpClient { BaseAddress = server.HttpAddress, Timeout = TimeoutExtensions.Default };
                Assert.That((await http.GetAsync(new Uri("/health", UriKind.Relative)).DefaultTimeout()).IsSuccessStatusCode, Is.True, "still serving");
                Assert.That(server.HasExited, Is.False, "no crash");
            }

            Assert.That(_failOpen.Output, Does.Contain("fail open"), "the outage is logged");
            Assert.That(_failClosed.Output, Does.Contain("fail closed"), "the outage is logged");
        }
        finally
        {
            await _redis.RestartAsync();
        }

        // Back: once both have reconnected (each on its own heartbeat), both count against the fresh shared budget.
        await WaitUntilBothCountInRedisAsync();
        var statuses = new List<int>();
        foreach (var server in new[] { _failOpen, _failClosed, _failOpen })
        {
            using var response = await GetModelsAsync(server, _keys["outage"]);
            statuses.Add((int)response.StatusCode);
        }

        Assert.That(statuses, Is.EqualTo(new[] { 200, 200, 429 }), "2 per minute enforced again across both");
    }

    /// <summary>Waits until both servers admit with a known budget, that is, they reach Redis.</summary>
    private async Task WaitUntilBothCountInRedisAsync()
    {
        foreach (var server in new[] { _failOpen, _failClosed })
        {
            await Poll.UntilAsync(
                async () =>
                {
                    using var probe = await GetModelsAsync(server, _keys["probe"]);
                    return probe.IsSuccessStatusCode && probe.Headers.Contains("x-ratelimit-remaining-requests");
                },
                TimeSpan.FromSeconds(15),
                () => $"{server.HttpAddress} does not reach Redis");
        }
    }

    private static async Task<HttpResponseMessage> GetModelsAsync(ServerProcess server, string key)
    {
        using var http = new HttpClient { BaseAddress = server.HttpAddress, Timeout = TimeoutExtensions.Default };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return await http.GetAsync(new Uri("/v1/models", UriKind.Relative)).DefaultTimeout();
    }
}
