using System.Diagnostics;
using Inference.Access.Limits;
using Inference.Access.Tests.Infrastructure;

namespace Inference.Access.Tests.Limits;

public sealed class InProcessRateLimitBackendTests
{
    [Test]
    public async Task RequestsPerMinute_AllowsExactlyN_ThenRefusesWithRetryAfter()
    {
        var clock = new ManualTimeProvider();
        var limiter = new InProcessRateLimitBackend(clock);
        var limits = new RateLimits(RequestsPerMinute: 5, null, null);

        for (var i = 0; i < 5; i++)
        {
            await using var lease = await limiter.AdmitAsync("key", limits, 0).DefaultTimeout();
            Assert.That(lease.IsAllowed, Is.True, $"request {i + 1} of 5");
            Assert.That(lease.Requests.Remaining, Is.EqualTo(4 - i));
        }

        var refused = await limiter.AdmitAsync("key", limits, 0).DefaultTimeout();
        Assert.That(refused.IsAllowed, Is.False);
        Assert.That(refused.RefusedBy, Is.EqualTo(RateLimitRefusal.Requests));
        Assert.That(refused.RetryAfter, Is.EqualTo(TimeSpan.FromSeconds(12)), "one request refills every 60/5 s");
        Assert.That(refused.Requests, Is.EqualTo(new RateLimitStatus(5, 0, TimeSpan.FromMinutes(1))));

        Assert.That((await limiter.AdmitAsync("other-key", limits, 0).DefaultTimeout()).IsAllowed, Is.True, "keys have separate budgets");

        clock.Advance(TimeSpan.FromSeconds(11.9));
        Assert.That((await limiter.AdmitAsync("key", limits, 0).DefaultTimeout()).IsAllowed, Is.False);
        clock.Advance(TimeSpan.FromSeconds(0.1));
        Assert.That((await limiter.AdmitAsync("key", limits, 0).DefaultTimeout()).IsAllowed, Is.True);
    }

    [Test]
    public async Task TokensPerMinute_AdmitsTheEstimate_AndDisposeCorrectsToActualUsage()
    {
        var clock = new ManualTimeProvider();
        var limiter = new InProcessRateLimitBackend(clock);
        var limits = new RateLimits(null, TokensPerMinute: 1000, null);

        var lease = await limiter.AdmitAsync("key", limits, 600).DefaultTimeout();
        Assert.That(lease.IsAllowed, Is.True);
        Assert.That(lease.Tokens.Remaining, Is.EqualTo(400));

        var tooMany = await limiter.AdmitAsync("key", limits, 500).DefaultTimeout();
        Assert.That(tooMany.RefusedBy, Is.EqualTo(RateLimitRefusal.Tokens));
        Assert.That(tooMany.RetryAfter, Is.EqualTo(TimeSpan.FromSeconds(6)), "100 tokens short at 1000 per minute");

        lease.ReportUsage(100);
        await lease.DisposeAsync().DefaultTimeout();
        await lease.DisposeAsync().DefaultTimeout(); // twice is harmless

        var after = await limiter.AdmitAsync("key", limits, 500).DefaultTimeout();
        Assert.That(after.IsAllowed, Is.True, "the 500 unused tokens came back");
        Assert.That(after.Tokens.Remaining, Is.EqualTo(400));

        after.ReportUsage(900); // overuse is charged: 400 more than admitted
        await after.DisposeAsync().DefaultTimeout();
        var debt = await limiter.AdmitAsync("key", limits, 1).DefaultTimeout();
        Assert.That(debt.RefusedBy, Is.EqualTo(RateLimitRefusal.Tokens));
        Assert.That(debt.Tokens.Remaining, Is.Zero);
    }

    [Test]
    public async Task TokensPerMinute_RequestLargerThanTheLimit_IsRefusedWithoutRetryAfter()
    {
        var limiter = new InProcessRateLimitBackend(new ManualTimeProvider());
        var lease = await limiter.AdmitAsync("key", new RateLimits(null, 100, null), 101).DefaultTimeout();
        Assert.That(lease.RefusedBy, Is.EqualTo(RateLimitRefusal.Tokens));
        Assert.That(lease.RetryAfter, Is.Null);
    }

    [Test]
    public async Task Concurrency_RefusesBeyondTheLimit_UntilALeaseIsDisposed()
    {
        var limiter = new InProcessRateLimitBackend(new ManualTimeProvider());
        var limits = new RateLimits(null, null, MaxConcurrency: 2);

        var first = await limiter.AdmitAsync("key", limits, 0).DefaultTimeout();
        var second = await limiter.AdmitAsync("key", limits, 0).DefaultTimeout();
        var third = await limiter.AdmitAsync("key", limits, 0).DefaultTimeout();
        Assert.That((first.IsAllowed, second.IsAllowed, third.IsAllowed), Is.EqualTo((true, true, false)));
        Assert.That(third.RefusedBy, Is.EqualTo(RateLimitRefusal.Concurrency));
        Assert.That(third.RetryAfter, Is.Not.Null);

        await third.DisposeAsync().DefaultTimeout(); // a refused lease holds nothing
        Assert.That((await limiter.AdmitAsync("key", limits, 0).DefaultTimeout()).IsAllowed, Is.False);

        await first.DisposeAsync().DefaultTimeout();
        await using var fourth = await limiter.AdmitAsync("key", limits, 0).DefaultTimeout();
        Assert.That(fourth.IsAllowed, Is.True);
        await second.DisposeAsync().DefaultTimeout();
    }

    [Test]
    public async Task RefusedAdmission_ConsumesNothing()
    {
        var limiter = new InProcessRateLimitBackend(new ManualTimeProvider());
        var limits = new RateLimits(RequestsPerMinute: 10, TokensPerMinute: 100, null);

        var refused = await limiter.AdmitAsync("key", limits, 101).DefaultTimeout();
        Assert.That(refused.IsAllowed, Is.False);
        var allowed = await limiter.AdmitAsync("key", limits, 100).DefaultTimeout();
        Assert.That(allowed.IsAllowed, Is.True);
        Assert.That(allowed.Requests.Remaining, Is.EqualTo(9), "the refused request did not count");
    }

    [Test]
    public async Task Unlimited_IsAlwaysAllowed_WithNoHeaders()
    {
        var limiter = new InProcessRateLimitBackend();
        var lease = await limiter.AdmitAsync("key", RateLimits.None, 1_000_000).DefaultTimeout();
        var headers = new Dictionary<string, string>();
        RateLimitHeaders.Apply(lease, (name, value) => headers[name] = value);
        Assert.That(lease.IsAllowed, Is.True);
        Assert.That(headers, Is.Empty);
    }

    [Test]
    public async Task Headers_CarryLimitRemainingAndReset()
    {
        var limiter = new InProcessRateLimitBackend(new ManualTimeProvider());
        var lease = await limiter.AdmitAsync("key", new RateLimits(60, 6000, null), 1500).DefaultTimeout();
        var headers = new Dictionary<string, string>();
        RateLimitHeaders.Apply(lease, (name, value) => headers[name] = value);

        Assert.That(headers, Is.EquivalentTo(new Dictionary<string, string>
        {
            ["x-ratelimit-limit-requests"] = "60",
            ["x-ratelimit-remaining-requests"] = "59",
            ["x-ratelimit-reset-requests"] = "1s",
            ["x-ratelimit-limit-tokens"] = "6000",
            ["x-ratelimit-remaining-tokens"] = "4500",
            ["x-ratelimit-reset-tokens"] = "15s",
        }));
    }

    [TestCase(0, "0s")]
    [TestCase(20, "20ms")]
    [TestCase(1000, "1s")]
    [TestCase(1500, "1.5s")]
    [TestCase(360_000, "6m0s")]
    [TestCase(61_250, "1m1.25s")]
    [TestCase(3_723_000, "1h2m3s")]
    [TestCase(999, "999ms")]
    [TestCase(1_005, "1.005s")]
    [TestCase(1_010, "1.01s")]
    [TestCase(90_061_100, "25h1m1.1s")]
    public void FormatDuration_MatchesOpenAi(long milliseconds, string expected) =>
        Assert.That(RateLimitHeaders.FormatDuration(TimeSpan.FromMilliseconds(milliseconds)), Is.EqualTo(expected));

    [TestCase(0.2, "1")]
    [TestCase(12, "12")]
    [TestCase(12.1, "13")]
    public void FormatRetryAfter_IsWholeSecondsRoundedUp(double seconds, string expected) =>
        Assert.That(RateLimitHeaders.FormatRetryAfter(TimeSpan.FromSeconds(seconds)), Is.EqualTo(expected));

    [Test]
    public async Task Admission_IsCheap()
    {
        var limiter = new InProcessRateLimitBackend();
        var limits = new RateLimits(int.MaxValue, int.MaxValue, 1_000_000);
        const int Iterations = 200_000;

        for (var i = 0; i < 1000; i++)
        {
            await (await limiter.AdmitAsync("bench", limits, 10)).DisposeAsync();
        }

        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < Iterations; i++)
        {
            var lease = await limiter.AdmitAsync("bench", limits, 10);
            lease.ReportUsage(8);
            await lease.DisposeAsync();
        }

        watch.Stop();
        var bytesPerOp = (GC.GetAllocatedBytesForCurrentThread() - allocatedBefore) / (double)Iterations;
        TestContext.Out.WriteLine(
            $"bench: in-process admit+release {Iterations / watch.Elapsed.TotalSeconds:N0} ops/s, {bytesPerOp:N0} bytes/op allocated");
        Assert.That(bytesPerOp, Is.LessThan(200), "admission should allocate only the lease");
    }
}
