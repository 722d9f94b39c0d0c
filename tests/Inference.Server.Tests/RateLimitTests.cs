using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using Inference.Access.Keys;
using Inference.Contracts.V1;
using Inference.Server.Tests.Support;

namespace Inference.Server.Tests;

/// <summary>
/// Per-key limits in the request path (in-process backend): requests per minute, tokens per minute admitted as prompt
/// plus max_tokens and corrected to real usage, concurrent requests. REST answers 429 rate_limit_exceeded with
/// Retry-After and the x-ratelimit-* headers; gRPC and gRPC-Web RESOURCE_EXHAUSTED with RetryInfo.
/// </summary>
public sealed class RateLimitTests : ServerFixture
{
    private const string Slow = "slow";

    private FaceClient _faces = null!;
    private HttpClient _http = null!;

    // tiny-chat for real token counts, and a synthetic model slow enough to hold a request open.
    protected override IEnumerable<string> ServerArguments =>
    [
        "--Inference:Models:0:Id=tiny-chat", "--Inference:Models:0:Path=models/tiny-chat",
        $"--Inference:Models:1:Id={Slow}", "--Inference:Models:1:Synthetic:TokensPerSecond=20",
    ];

    [OneTimeSetUp]
    public void CreateClients()
    {
        _faces = CreateFaceClient();
        _http = CreateHttpClient(key: null);
    }

    [OneTimeTearDown]
    public void DisposeClients()
    {
        _faces.Dispose();
        _http.Dispose();
    }

    private string NewKey(int? rpm = null, int? tpm = null, int? concurrency = null) =>
        KeyStore.Create(new ApiKeySpec { Name = "limited", RequestsPerMinute = rpm, TokensPerMinute = tpm, MaxConcurrency = concurrency }).RawKey;

    [Test]
    public async Task Rest_RequestsPerMinuteExceeded_Is429WithRetryAfterAndHeaders()
    {
        var key = NewKey(rpm: 2);
        var first = await _faces.CallAsync(Face.Rest, FaceOperation.ListModels, key);
        var second = await _faces.CallAsync(Face.Rest, FaceOperation.ListModels, key);
        var third = await _faces.CallAsync(Face.Rest, FaceOperation.ListModels, key);

        Assert.That(first.Ok && second.Ok, Is.True, $"{first} / {second}");
        Assert.That(first.Header("x-ratelimit-limit-requests"), Is.EqualTo("2"));
        Assert.That(first.Header("x-ratelimit-remaining-requests"), Is.EqualTo("1"));
        Assert.That(second.Header("x-ratelimit-remaining-requests"), Is.EqualTo("0"));
        Assert.That(second.Header("x-ratelimit-reset-requests"), Does.Match(@"^(\d+m)?\d+(\.\d+)?m?s$"), "OpenAI's duration format");
        Assert.That(first.Header("x-ratelimit-limit-tokens"), Is.Null, "no token limit, no token headers");

        Assert.That(third.Status, Is.EqualTo("ResourceExhausted"), third.Detail);
        Assert.That(third.Code, Is.EqualTo("rate_limit_exceeded"));
        Assert.That(third.RestType, Is.EqualTo("rate_limit_error"));
        // One request refills every 30 s at 2 per minute: the wait is most of that.
        Assert.That(third.RetryAfter, Is.InRange(TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(30)), third.Detail);
        Assert.That(third.Header("x-ratelimit-remaining-requests"), Is.EqualTo("0"));
    }

    [Test]
    public async Task Grpc_RequestsPerMinuteExceeded_IsResourceExhaustedWithRetryInfo([Values(Face.Grpc, Face.GrpcWeb)] Face face)
    {
        var key = NewKey(rpm: 1);
        Assert.That((await _faces.CallAsync(face, FaceOperation.ListModels, key)).Ok, Is.True);

        var refused = await _faces.CallAsync(face, FaceOperation.ListModels, key);
        Assert.That(refused.Status, Is.EqualTo("ResourceExhausted"), refused.Detail);
        Assert.That(refused.Code, Is.EqualTo("rate_limit_exceeded"));
        Assert.That(refused.RetryAfter, Is.InRange(TimeSpan.FromSeconds(50), TimeSpan.FromSeconds(60)), "RetryInfo: " + refused.Detail);
        Assert.That(refused.Header("x-ratelimit-remaining-requests"), Is.EqualTo("0"), "the headers travel as metadata too");
    }

    [Test]
    public async Task Grpc_SuccessfulCall_CarriesTheHeadersAsMetadata()
    {
        using var channel = CreateGrpcChannel(NewKey(rpm: 10, tpm: 10_000));
        using var call = new InferenceService.InferenceServiceClient(channel).ChatCompleteAsync(Chat("tiny-chat", 8));
        var headers = await call.ResponseHeadersAsync.DefaultTimeout();
        await call.ResponseAsync.DefaultTimeout();
        Assert.That(headers.GetValue("x-ratelimit-limit-requests"), Is.EqualTo("10"));
        Assert.That(headers.GetValue("x-ratelimit-remaining-requests"), Is.EqualTo("9"));
        Assert.That(headers.GetValue("x-ratelimit-limit-tokens"), Is.EqualTo("10000"));
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task Rest_SuccessfulChat_CarriesAllSixHeaders(bool stream)
    {
        var key = NewKey(rpm: 10, tpm: 10_000);
        using var response = await PostChatAsync(key, "tiny-chat", 8, stream);
        var body = await response.Content.ReadAsStringAsync().DefaultTimeout();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), body);
        Assert.That(Header(response, "x-ratelimit-limit-requests"), Is.EqualTo("10"));
        Assert.That(Header(response, "x-ratelimit-remaining-requests"), Is.EqualTo("9"));
        Assert.That(Header(response, "x-ratelimit-reset-requests"), Is.Not.Null);
        Assert.That(Header(response, "x-ratelimit-limit-tokens"), Is.EqualTo("10000"));
        Assert.That(long.Parse(Header(response, "x-ratelimit-remaining-tokens")!, CultureInfo.InvariantCulture), Is.InRange(10_000 - 200, 10_000 - 8),
            "prompt plus max_tokens admitted");
        Assert.That(Header(response, "x-ratelimit-reset-tokens"), Is.Not.Null);
    }

    [Test]
    public async Task UnlimitedKey_GetsNoRateLimitHeaders()
    {
        var outcome = await _faces.CallAsync(Face.Rest, FaceOperation.ListModels, NewKey());
        Assert.That(outcome.Ok, Is.True);
        Assert.That(outcome.Headers.Keys.Where(h => h.StartsWith("x-ratelimit", StringComparison.OrdinalIgnoreCase)), Is.Empty);
    }

    [Test]
    public async Task TokensPerMinute_AdmitsPromptPlusMaxTokens_ThenCorrectsToUsage()
    {
        const int Limit = 1000;
        const int MaxTokens = 200;
        var key = NewKey(tpm: Limit);
        var watch = Stopwatch.StartNew();
        using var first = await PostChatAsync(key, "tiny-chat", MaxTokens, stream: false);
        var usage = JsonDocument.Parse(await first.Content.ReadAsStringAsync().DefaultTimeout()).RootElement.GetProperty("usage");
        var prompt = usage.GetProperty("prompt_tokens").GetInt32();
        var used = usage.GetProperty("total_tokens").GetInt32();
        Assert.That(used, Is.LessThan(prompt + MaxTokens), "the answer is short, so the correction gives tokens back");
        var admitted = prompt + MaxTokens;
        Assert.That(RemainingTokens(first), Is.InRange(Limit - admitted, Limit - admitted + 1), "admitted: prompt plus max_tokens");

        using var second = await PostChatAsync(key, "tiny-chat", MaxTokens, stream: false);
        var refill = (int)Math.Ceiling(watch.Elapsed.TotalMinutes * Limit) + 1;

        // After the first request's correction only what it used is gone; uncorrected it would be Limit - 2 * admitted.
        var expected = Limit - used - admitted;
        Assert.That(RemainingTokens(second), Is.InRange(expected, expected + refill),
            $"prompt {prompt}, used {used}, admitted {admitted}; uncorrected would be {Limit - (2 * admitted)}");
    }

    [Test]
    public async Task TokensPerMinute_ARequestLargerThanTheLimit_IsRefusedWithoutRetryAfter([Values] Face face)
    {
        var key = NewKey(tpm: 100);
        var outcome = await _faces.CallAsync(face, FaceOperation.Chat("tiny-chat", maxTokens: 150), key);
        Assert.That(outcome.Status, Is.EqualTo("ResourceExhausted"), outcome.Detail);
        Assert.That(outcome.Code, Is.EqualTo("rate_limit_exceeded"));
        Assert.That(outcome.RetryAfter, Is.Null, "waiting cannot help");
        Assert.That(outcome.Detail, Does.Contain("max_tokens"), "the message says what to change");
    }

    [Test]
    public async Task Concurrency_ASecondRequestWhileOneRuns_IsRefused_AndAdmittedOnceItEnds()
    {
        var key = NewKey(concurrency: 1);
        using var channel = CreateGrpcChannel(key);
        var client = new InferenceService.InferenceServiceClient(channel);
        using var running = new CancellationTokenSource();
        // 200 tokens at 20 per second: ten seconds, far longer than the checks below.
        var call = client.StreamChatComplete(Chat(Slow, 200), cancellationToken: running.Token);
        Assert.That(await call.ResponseStream.MoveNext(CancellationToken.None).DefaultTimeout(), Is.True, "the first request runs");

        foreach (var face in System.Enum.GetValues<Face>())
        {
            var refused = await _faces.CallAsync(face, FaceOperation.Chat(Slow, 1), key);
            Assert.That(refused.Status, Is.EqualTo("ResourceExhausted"), $"{face}: {refused.Detail}");
            Assert.That(refused.Code, Is.EqualTo("rate_limit_exceeded"), $"{face}: {refused.Detail}");
            Assert.That(refused.RetryAfter, Is.Not.Null, $"{face}: retry after");
        }

        await running.CancelAsync();
        call.Dispose();
        await Poll.UntilAsync(
            async () => (await _faces.CallAsync(Face.Rest, FaceOperation.Chat(Slow, 1), key)).Ok,
            TimeSpan.FromSeconds(5),
            () => "the slot was not given back after the first request was cancelled");
    }

    private static ChatCompleteRequest Chat(string model, int maxTokens) => new()
    {
        Model = model,
        Temperature = 0,
        MaxTokens = maxTokens,
        Messages = { new ChatMessage { Role = "user", Content = Value.ForString("What is 23 + 19?") } },
    };

    private async Task<HttpResponseMessage> PostChatAsync(string key, string model, int maxTokens, bool stream)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent(
                $$"""{"model":"{{model}}","messages":[{"role":"user","content":"What is 23 + 19?"}],"temperature":0,"max_tokens":{{maxTokens}},"stream":{{(stream ? "true" : "false")}}}""",
                Encoding.UTF8,
                "application/json"),
        };
        request.Headers.Authorization = new("Bearer", key);
        return await _http.SendAsync(request).DefaultTimeout();
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;

    private static long RemainingTokens(HttpResponseMessage response) =>
        long.Parse(Header(response, "x-ratelimit-remaining-tokens") ?? "-1", CultureInfo.InvariantCulture);
}
