using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Google.Rpc;
using Grpc.Core;
using Grpc.Net.Client;
using Inference.Contracts.V1;
using Inference.Engine.Scheduling;
using Inference.Server.Tests.Support;

namespace Inference.Server.Tests;

/// <summary>Back-pressure on a server whose tiny-chat batches <see cref="BatchSize"/> sequences and queues
/// <see cref="QueueBound"/> more: the next request is refused at once on every face, never left waiting.</summary>
public sealed class OverloadTests : ServerFixture
{
    private const int BatchSize = 2;
    private const int QueueBound = 2;
    private const int LongTokens = 480;
    private static readonly TimeSpan RefusedWithin = TimeSpan.FromMilliseconds(100);

    private GrpcChannel _channel = null!;
    private InferenceService.InferenceServiceClient _client = null!;
    private HttpClient _http = null!;
    private DecodeScheduler _scheduler = null!;

    protected override IEnumerable<string> ServerArguments =>
    [
        "--Inference:Models:0:Id=tiny-chat",
        "--Inference:Models:0:Path=models/tiny-chat",
        "--Inference:Models:0:Kind=chat",
        $"--Inference:Models:0:Scheduler:MaxBatchSize={BatchSize}",
        $"--Inference:Models:0:Scheduler:MaxQueuedRequests={QueueBound}",
    ];

    [OneTimeSetUp]
    public async Task CreateClientsAndWarmUp()
    {
        _channel = CreateGrpcChannel();
        _client = new InferenceService.InferenceServiceClient(_channel);
        _http = CreateHttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0 });
        _scheduler = SchedulerProbe.Of(Services);

        // The 100 ms bound is about the server's refusal, not about opening connections or compiling the error
        // path: exercise both once (a success and a refusal per face) before measuring.
        await Completions.TextAsync(Completions.GrpcDeltas(_client, Completions.Greedy("1, 2,", 2)));
        await Completions.TextAsync(Completions.RestDeltas(_http, "1, 2,", 2));
        using var missing = await PostAsync(Completions.RestBody("1,", 2, stream: false).Replace("tiny-chat", "no-such-model", StringComparison.Ordinal));
        Assert.That(missing.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        var notFound = Completions.Greedy("1,", 2);
        notFound.Model = "no-such-model";
        await Assert.ThrowsAsync<RpcException>(() => _client.CompleteAsync(notFound).ResponseAsync.DefaultTimeout());
    }

    [OneTimeTearDown]
    public void DisposeClients()
    {
        _channel.Dispose();
        _http.Dispose();
    }

    [Test]
    public async Task RequestBeyondBatchAndQueue_IsRefusedAtOnceOnRestAndGrpc_AndServedAfterTheLoadDrops()
    {
        var overloadedBefore = await ScrapeAsync(MetricNames.Requests, ("outcome", "overloaded"));
        using var load = new CancellationTokenSource();
        var streams = Enumerable.Range(0, BatchSize + QueueBound)
            .Select(i => DrainAsync(Completions.GrpcDeltas(_client, Completions.Greedy(Completions.Prompt(i), LongTokens), load.Token)))
            .ToArray();
        await Poll.UntilAsync(() => _scheduler.ActiveSequences == BatchSize && _scheduler.QueueDepth == QueueBound, TimeoutExtensions.Default,
            () => $"batch full and queue full (active {_scheduler.ActiveSequences}, queued {_scheduler.QueueDepth}; load streams: " +
                string.Join(", ", streams.Select(s => s.Exception?.InnerException?.Message ?? s.Status.ToString())) + ")");

        // REST, unary and streamed: 503 model_overloaded with Retry-After, before any event.
        var restUnary = await RefusedOverRestAsync(stream: false);
        var restStream = await RefusedOverRestAsync(stream: true);

        // gRPC, unary and streamed: UNAVAILABLE with RetryInfo.
        var watch = Stopwatch.StartNew();
        var unary = await Assert.ThrowsAsync<RpcException>(() => _client.CompleteAsync(Completions.Greedy("1, 2,", 8)).ResponseAsync.DefaultTimeout());
        var grpcUnary = watch.Elapsed;
        watch.Restart();
        var streamed = await Assert.ThrowsAsync<RpcException>(() => DrainAsync(Completions.GrpcDeltas(_client, Completions.Greedy("1, 2,", 8))));
        var grpcStream = watch.Elapsed;
        var stillFull = _scheduler.ActiveSequences == BatchSize;

        Assert.Multiple(() =>
        {
            Assert.That(stillFull, Is.True, "the load was still running while the refusals were made");
            Assert.That(restUnary, Is.LessThan(RefusedWithin), "REST unary refusal time");
            Assert.That(restStream, Is.LessThan(RefusedWithin), "REST SSE refusal time");
            Assert.That(grpcUnary, Is.LessThan(RefusedWithin), "gRPC unary refusal time");
            Assert.That(grpcStream, Is.LessThan(RefusedWithin), "gRPC streaming refusal time");
            foreach (var error in new[] { unary!, streamed! })
            {
                Assert.That(error.StatusCode, Is.EqualTo(StatusCode.Unavailable), error.Status.ToString());
                var status = error.GetRpcStatus();
                Assert.That(status?.GetDetail<RetryInfo>()?.RetryDelay, Is.Not.Null, "RetryInfo detail");
                Assert.That(status?.GetDetail<ErrorInfo>()?.Reason, Is.EqualTo("model_overloaded"));
            }
        });

        // The engine counted every refusal as overloaded.
        Assert.That(await ScrapeAsync(MetricNames.Requests, ("outcome", "overloaded")), Is.EqualTo(overloadedBefore + 4), "overloaded outcomes");

        await load.CancelAsync();
        foreach (var stream in streams)
        {
            await Assert.ThrowsAsync(Is.InstanceOf<OperationCanceledException>().Or.InstanceOf<RpcException>(), () => stream.DefaultTimeout());
        }

        await Poll.UntilAsync(() => _scheduler.Load() == 0, TimeSpan.FromSeconds(1), () => $"the load drained (load {_scheduler.Load()})");
        var after = await _client.CompleteAsync(Completions.Greedy("1, 2, 3,", 8)).ResponseAsync.DefaultTimeout();
        using var restAfter = await PostAsync(Completions.RestBody("1, 2, 3,", 8, stream: false));
        Assert.Multiple(() =>
        {
            Assert.That(after.Choices[0].Text, Is.Not.Empty, "gRPC after the load dropped");
            Assert.That(restAfter.StatusCode, Is.EqualTo(HttpStatusCode.OK), "REST after the load dropped");
        });
    }

    private async Task<TimeSpan> RefusedOverRestAsync(bool stream)
    {
        var watch = Stopwatch.StartNew();
        using var response = await PostAsync(Completions.RestBody("1, 2,", 8, stream));
        var took = watch.Elapsed;
        var body = await response.Content.ReadAsStringAsync().DefaultTimeout();
        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), body);
            Assert.That(response.Headers.RetryAfter?.Delta, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(1)), "Retry-After");
        });
        using var json = JsonDocument.Parse(body);
        Assert.That(json.RootElement.GetProperty("error").GetProperty("code").GetString(), Is.EqualTo("model_overloaded"), body);
        return took;
    }

    private Task<HttpResponseMessage> PostAsync(string body) =>
        _http.PostAsync("/v1/completions", new StringContent(body, Encoding.UTF8, "application/json")).DefaultTimeout();

    private static async Task DrainAsync(IAsyncEnumerable<string> deltas)
    {
        await foreach (var _ in deltas.ConfigureAwait(false))
        {
        }
    }

    private async Task<double> ScrapeAsync(string name, params (string, string)[] where)
    {
        var text = await _http.GetStringAsync("/metrics").DefaultTimeout();
        return PrometheusText.Parse(text).Sum(name, [.. where, ("gen_ai_request_model", Completions.Model)]);
    }
}
