using System.Diagnostics;
using Inference.Access.Limits;
using Inference.Access.Tests.Infrastructure;
using Inference.Tests.Shared;

namespace Inference.Access.Tests.Limits;

/// <summary>Against a real redis-server started for this fixture; each test uses its own partition.</summary>
[NonParallelizable]
public sealed class RedisRateLimitBackendTests
{
    private RedisServer _redis = null!;

    [OneTimeSetUp]
    public async Task StartRedis()
    {
        if (RedisServer.FindExecutable() is null)
        {
            Assert.Fail("redis-server is not installed: make test installs it (apt-get install redis-server).");
        }

        _redis = await RedisServer.StartAsync();
    }

    [OneTimeTearDown]
    public void StopRedis() => _redis?.Dispose();

    [Test]
    public async Task TwoReplicas_ShareOneRequestsBudget()
    {
        await using var a = Backend(RedisFailureMode.FailClosed);
        await using var b = Backend(RedisFailureMode.FailClosed);
        var limits = new RateLimits(RequestsPerMinute: 10, null, null);
        var partition = Partition();

        var allowed = 0;
        for (var i = 0; i < 30; i++)
        {
            var replica = i % 2 == 0 ? a : b;
            var lease = await replica.AdmitAsync(partition, limits, 0).DefaultTimeout();
            if (lease.IsAllowed)
            {
                allowed++;
            }
            else
            {
                Assert.That(lease.RefusedBy, Is.EqualTo(RateLimitRefusal.Requests));
                Assert.That(lease.RetryAfter!.Value, Is.GreaterThan(TimeSpan.Zero).And.LessThanOrEqualTo(TimeSpan.FromSeconds(6)));
            }
        }

        Assert.That(allowed, Is.EqualTo(10), "both replicas together get exactly one budget");
    }

    [Test]
    public async Task Tokens_AreCorrectedAtLeaseEnd_AcrossReplicas()
    {
        await using var a = Backend(RedisFailureMode.FailClosed);
        await using var b = Backend(RedisFailureMode.FailClosed);
        var limits = new RateLimits(null, TokensPerMinute: 1000, null);
        var partition = Partition();

        var lease = await a.AdmitAsync(partition, limits, 800).DefaultTimeout();
        Assert.That(lease.IsAllowed, Is.True);
        Assert.That(lease.Tokens.Remaining, Is.InRange(200, 201));
        Assert.That((await b.AdmitAsync(partition, limits, 500).DefaultTimeout()).RefusedBy, Is.EqualTo(RateLimitRefusal.Tokens));

        lease.ReportUsage(100);
        await lease.DisposeAsync().DefaultTimeout();

        var after = await b.AdmitAsync(partition, limits, 500).DefaultTimeout();
        Assert.That(after.IsAllowed, Is.True, "700 unused tokens went back to the shared budget");
        Assert.That((await b.AdmitAsync(partition, limits, 2000).DefaultTimeout()).RetryAfter, Is.Null, "over the limit alone");
    }

    [Test]
    public async Task Concurrency_IsSharedAcrossReplicas_AndReleasedOnDispose()
    {
        await using var a = Backend(RedisFailureMode.FailClosed);
        await using var b = Backend(RedisFailureMode.FailClosed);
        var limits = new RateLimits(null, null, MaxConcurrency: 2);
        var partition = Partition();

        var first = await a.AdmitAsync(partition, limits, 0).DefaultTimeout();
        var second = await b.AdmitAsync(partition, limits, 0).DefaultTimeout();
        var third = await a.AdmitAsync(partition, limits, 0).DefaultTimeout();
        Assert.That((first.IsAllowed, second.IsAllowed, third.RefusedBy), Is.EqualTo((true, true, RateLimitRefusal.Concurrency)));

        await first.DisposeAsync().DefaultTimeout();
        await using var fourth = await b.AdmitAsync(partition, limits, 0).DefaultTimeout();
        Assert.That(fourth.IsAllowed, Is.True);
        await second.DisposeAsync().DefaultTimeout();
    }

    [Test]
    public async Task Headers_ComeFromTheSharedState()
    {
        await using var backend = Backend(RedisFailureMode.FailClosed);
        var lease = await backend.AdmitAsync(Partition(), new RateLimits(60, 6000, null), 1500).DefaultTimeout();
        var headers = new Dictionary<string, string>();
        RateLimitHeaders.Apply(lease, (name, value) => headers[name] = value);
        Assert.That(headers["x-ratelimit-limit-requests"], Is.EqualTo("60"));
        Assert.That(headers["x-ratelimit-remaining-requests"], Is.EqualTo("59"));
        Assert.That(headers["x-ratelimit-remaining-tokens"], Is.EqualTo("4500"));
        Assert.That(headers["x-ratelimit-reset-tokens"], Is.EqualTo("15s"));
    }

    [TestCase(RedisFailureMode.FailOpen)]
    [TestCase(RedisFailureMode.FailClosed)]
    public async Task RedisStopped_FollowsThePolicyQuickly_ThenRecoversAfterRestart(RedisFailureMode mode)
    {
        await using var backend = Backend(mode);
        var limits = new RateLimits(RequestsPerMinute: 3, null, null);
        var partition = Partition();
        for (var i = 0; i < 3; i++)
        {
            Assert.That((await backend.AdmitAsync(partition, limits, 0).DefaultTimeout()).IsAllowed, Is.True);
        }

        Assert.That((await backend.AdmitAsync(partition, limits, 0).DefaultTimeout()).IsAllowed, Is.False, "budget spent");

        await _redis.StopAsync();
        try
        {
            for (var i = 0; i < 5; i++)
            {
                var watch = Stopwatch.StartNew();
                var lease = await backend.AdmitAsync(partition, limits, 0).DefaultTimeout();
                watch.Stop();
                Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(1)), "a dead Redis must not stall requests");
                if (mode == RedisFailureMode.FailOpen)
                {
                    Assert.That(lease.IsAllowed, Is.True, "fail open admits");
                }
                else
                {
                    Assert.That(lease.RefusedBy, Is.EqualTo(RateLimitRefusal.Unavailable), "fail closed refuses");
                    Assert.That(lease.RetryAfter, Is.Not.Null);
                }

                await lease.DisposeAsync().DefaultTimeout();
            }
        }
        finally
        {
            await _redis.RestartAsync();
        }

        // The restarted Redis is empty: the budget is fresh, and enforced again once the client reconnects.
        var fresh = Partition();
        var enforced = await TestTimeouts.Eventually(async () =>
        {
            var lease = await backend.AdmitAsync(fresh, limits, 0).DefaultTimeout();
            return lease.IsAllowed && lease.Requests.HasValue;
        }, TimeSpan.FromSeconds(15));
        Assert.That(enforced, Is.True, "limits were not enforced again after Redis came back");
        Assert.That((await backend.AdmitAsync(fresh, limits, 0).DefaultTimeout()).IsAllowed, Is.True);
        Assert.That((await backend.AdmitAsync(fresh, limits, 0).DefaultTimeout()).IsAllowed, Is.True);
        Assert.That((await backend.AdmitAsync(fresh, limits, 0).DefaultTimeout()).RefusedBy, Is.EqualTo(RateLimitRefusal.Requests));
    }

    [Test]
    public async Task UnreachableAtStart_NeverThrows_AndLogsTheOutageOnce()
    {
        var logger = new CapturingLogger<RedisRateLimitBackend>();
        await using var backend = new RedisRateLimitBackend(
            new RedisLimitOptions { Configuration = "127.0.0.1:1", FailureMode = RedisFailureMode.FailClosed },
            logger);
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < 3; i++)
        {
            var lease = await backend.AdmitAsync(Partition(), new RateLimits(10, null, null), 0).DefaultTimeout();
            Assert.That(lease.RefusedBy, Is.EqualTo(RateLimitRefusal.Unavailable));
        }

        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(2)));
        Assert.That(logger.Entries.Count(e => e.Level == Microsoft.Extensions.Logging.LogLevel.Error), Is.EqualTo(1));
        Assert.That(logger.Entries[0].Text, Does.Contain("fail closed"));
    }

    [Test]
    public async Task Admission_Throughput()
    {
        await using var backend = Backend(RedisFailureMode.FailClosed);
        var limits = new RateLimits(int.MaxValue, int.MaxValue, 1_000_000);
        var partition = Partition();
        const int Iterations = 2000;
        await (await backend.AdmitAsync(partition, limits, 10).DefaultTimeout()).DisposeAsync().DefaultTimeout();

        var watch = Stopwatch.StartNew();
        await Parallel.ForAsync(0, Iterations, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (_, ct) =>
        {
            var lease = await backend.AdmitAsync(partition, limits, 10, ct);
            lease.ReportUsage(8);
            await lease.DisposeAsync();
        }).DefaultTimeout();
        TestContext.Out.WriteLine($"bench: redis admit+release {Iterations / watch.Elapsed.TotalSeconds:N0} ops/s (16 concurrent)");
    }

    [Test]
    public async Task ConcurrentAdmissions_Batched_AreCountedExactlyAsOneByOne()
    {
        // Callers that arrive while a round trip is in flight share the next one; the budget must not notice.
        await using var backend = Backend(RedisFailureMode.FailClosed);
        var partition = Partition();
        var leases = await Task.WhenAll(Enumerable.Range(0, 60)
            .Select(_ => backend.AdmitAsync(partition, new RateLimits(RequestsPerMinute: 25, null, null), 0).AsTask())).DefaultTimeout();

        var admitted = leases.Where(l => l.IsAllowed).ToList();
        Assert.That(admitted, Has.Count.EqualTo(25));
        Assert.That(admitted.Select(l => l.Requests.Remaining).Order(), Is.EqualTo(Enumerable.Range(0, 25).Select(i => (long)i)),
            "each admission saw the one before it");
    }

    [Test]
    public async Task ConcurrentReleasesAndAdmissions_KeepTheConcurrencyLimitExact()
    {
        await using var backend = Backend(RedisFailureMode.FailClosed);
        var partition = Partition();
        var limits = new RateLimits(null, null, MaxConcurrency: 5);
        for (var round = 0; round < 3; round++)
        {
            var leases = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => backend.AdmitAsync(partition, limits, 0).AsTask())).DefaultTimeout();
            Assert.That(leases.Count(l => l.IsAllowed), Is.EqualTo(5), $"round {round}: the limit, no more, no less");
            await Task.WhenAll(leases.Select(l => l.DisposeAsync().AsTask())).DefaultTimeout();
        }
    }

    private RedisRateLimitBackend Backend(RedisFailureMode mode) => new(new RedisLimitOptions
    {
        Configuration = _redis.Configuration,
        FailureMode = mode,
        OperationTimeout = TimeSpan.FromMilliseconds(250),
    });

    private static string Partition() => "key_" + Guid.NewGuid().ToString("N");
}
