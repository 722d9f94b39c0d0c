using System.Diagnostics;
using Inference.Access.Limits;
using Inference.Access.Tests.Infrastructure;
using Inference.Tests.Shared;
using StackExchange.Redis;

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
    public async Task HungRedis_AnswersEveryWaitingRequestWithinTheTimeout()
    {
        // Requests that queue behind one round trip to a Redis that does not answer share its failure: none waits
        // out the timeout again after the one before it.
        await using var backend = Backend(RedisFailureMode.FailClosed);
        var partition = Partition();
        var limits = new RateLimits(RequestsPerMinute: 10, null, null);
        Assert.That((await backend.AdmitAsync(partition, limits, 0).DefaultTimeout()).IsAllowed, Is.True, "connected");

        var watch = Stopwatch.StartNew();
        RateLimitLease[] leases;
        using (_redis.Freeze())
        {
            leases = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => backend.AdmitAsync(partition, limits, 0).AsTask())).DefaultTimeout();
        }

        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(1.5)), "16 requests behind a 250 ms timeout");
        Assert.That(leases.Select(l => l.RefusedBy), Is.All.EqualTo(RateLimitRefusal.Unavailable));
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

    [Test]
    public async Task HighLimits_AreAdmittedFromADrawnBlock_WithFewRoundTrips()
    {
        // 1% of a 100k limit is a spare of 1000 requests: 500 admissions cost one draw, not 500 round trips.
        await using var backend = Backend(RedisFailureMode.FailClosed);
        var limits = new RateLimits(RequestsPerMinute: 100_000, TokensPerMinute: 10_000_000, MaxConcurrency: 10_000);
        var partition = Partition();
        await using var redis = await ConnectionMultiplexer.ConnectAsync(_redis.Configuration + ",allowAdmin=true");
        var before = await ScriptCallsAsync(redis);

        for (var i = 0; i < 500; i++)
        {
            using var lease = await backend.AdmitAsync(partition, limits, 50).DefaultTimeout();
            Assert.That(lease.IsAllowed, Is.True);
        }

        var roundTrips = await ScriptCallsAsync(redis) - before;
        Assert.That(roundTrips, Is.InRange(1, 5), "round trips for 500 admissions");
    }

    [Test]
    public async Task SpareBudget_GoesBackWithinTheSyncInterval()
    {
        // b does not sync during the test, so what Redis holds for it stays its draw of 11.
        await using var a = Backend(RedisFailureMode.FailClosed, syncInterval: TimeSpan.FromMilliseconds(500));
        await using var b = Backend(RedisFailureMode.FailClosed, syncInterval: TimeSpan.FromHours(1));
        var partition = Partition();
        await using var redis = await ConnectionMultiplexer.ConnectAsync(_redis.Configuration);
        var slots = (RedisKey)$"inference:rl:{{{partition}}}:slots";
        var requests = new RateLimits(RequestsPerMinute: 1000, null, MaxConcurrency: 1000);

        // One request on a draws it plus a spare: 10 requests and 10 slots (1%) sit on a, unused.
        var lease = await a.AdmitAsync(partition, requests, 0).DefaultTimeout();
        Assert.That(SlotsInRedis(await redis.GetDatabase().HashGetAllAsync(slots)), Is.EqualTo(11));
        Assert.That((await b.AdmitAsync(partition, requests, 0).DefaultTimeout()).Requests.Remaining, Is.InRange(987, 989),
            "b sees a's spare as taken: 1000 - 1 used by a - 10 spare on a - 1 used by b");

        // Released without waiting for Redis (as the server does): the next sync gives the slot and the spare back.
        lease.Dispose();
        var returned = await TestTimeouts.Eventually(
            async () => SlotsInRedis(await redis.GetDatabase().HashGetAllAsync(slots)) == 11, TimeSpan.FromSeconds(3));
        Assert.That(returned, Is.True, "a's slots went back within the sync interval (b's 11 remain)");
    }

    [Test]
    public async Task SlotsOfAReplicaNotHeardFrom_AreFreed()
    {
        await using var backend = Backend(RedisFailureMode.FailClosed);
        var partition = Partition();
        await using var redis = await ConnectionMultiplexer.ConnectAsync(_redis.Configuration);
        var database = redis.GetDatabase();

        // A replica that died holding every slot an hour ago, and one alive holding one now.
        var nowMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await database.HashSetAsync($"inference:rl:{{{partition}}}:slots", [new("dead", 3), new("alive", 1)]);
        await database.SortedSetAddAsync($"inference:rl:{{{partition}}}:replicas", [new("dead", nowMs - 3_600_000), new("alive", nowMs)]);

        var limits = new RateLimits(null, null, MaxConcurrency: 3);
        var leases = new List<RateLimitLease>();
        for (var i = 0; i < 3; i++)
        {
            leases.Add(await backend.AdmitAsync(partition, limits, 0).DefaultTimeout());
        }

        Assert.That(leases.Select(l => l.IsAllowed), Is.EqualTo(new[] { true, true, false }), "the dead replica's 3 are free, the live one's 1 is not");
        foreach (var lease in leases)
        {
            await lease.DisposeAsync().DefaultTimeout();
        }
    }

    private static int SlotsInRedis(HashEntry[] entries) => entries.Sum(e => (int)e.Value);

    private static async Task<long> ScriptCallsAsync(ConnectionMultiplexer redis)
    {
        // "cmdstat_evalsha:calls=12,usec=..." and the same for eval (the first call of a script).
        var server = redis.GetServer(redis.GetEndPoints()[0]);
        var commands = (await server.InfoAsync("commandstats")).SelectMany(group => group);
        return commands
            .Where(c => c.Key.StartsWith("cmdstat_eval", StringComparison.Ordinal))
            .Sum(c => long.Parse(c.Value.Split("calls=")[1].Split(',')[0], System.Globalization.CultureInfo.InvariantCulture));
    }

    private RedisRateLimitBackend Backend(RedisFailureMode mode, TimeSpan? syncInterval = null) => new(new RedisLimitOptions
    {
        Configuration = _redis.Configuration,
        FailureMode = mode,
        OperationTimeout = TimeSpan.FromMilliseconds(250),
        SyncInterval = syncInterval ?? TimeSpan.FromSeconds(1),
    });

    private static string Partition() => "key_" + Guid.NewGuid().ToString("N");
}
