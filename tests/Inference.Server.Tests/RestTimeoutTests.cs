using System.Net;
using System.Text;
using System.Text.Json;
using Grpc.Core;
using Grpc.Net.Client;
using Inference.Contracts.V1;
using Inference.Engine.Scheduling;
using Inference.Server.Tests.Support;

namespace Inference.Server.Tests;

/// <summary>A server whose REST requests are bounded to <see cref="Bound"/>: a longer one is cancelled in the
/// scheduler and told so; gRPC calls carry their own deadline and are not bounded by it.</summary>
public sealed class RestTimeoutTests : ServerFixture
{
    private const int LongTokens = 480;
    private static readonly TimeSpan Bound = TimeSpan.FromMilliseconds(150);

    private HttpClient _http = null!;
    private GrpcChannel _channel = null!;
    private DecodeScheduler _scheduler = null!;

    protected override IEnumerable<string> ServerArguments => [$"--Inference:Limits:RestRequestTimeout={Bound}"];

    [OneTimeSetUp]
    public void CreateClients()
    {
        _http = CreateHttpClient();
        _channel = CreateGrpcChannel();
        _scheduler = SchedulerProbe.Of(Services);
    }

    [OneTimeTearDown]
    public void DisposeClients()
    {
        _http.Dispose();
        _channel.Dispose();
    }

    [SetUp]
    public Task SchedulerIsIdle() =>
        Poll.UntilAsync(() => _scheduler.Load() == 0, TimeoutExtensions.Default, () => $"scheduler idle (load {_scheduler.Load()})");

    [Test]
    public async Task UnaryCompletionPastTheBound_Is504RequestTimeout_AndFreesItsSlot()
    {
        using var response = await _http.PostAsync("/v1/completions",
            new StringContent(Completions.RestBody(Completions.Prompt(1), LongTokens, stream: false), Encoding.UTF8, "application/json")).DefaultTimeout();
        var body = await response.Content.ReadAsStringAsync().DefaultTimeout();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.GatewayTimeout), body);
        using var json = JsonDocument.Parse(body);
        Assert.That(json.RootElement.GetProperty("error").GetProperty("code").GetString(), Is.EqualTo("request_timeout"), body);
        await Poll.UntilAsync(() => _scheduler.Load() == 0, TimeSpan.FromSeconds(1), () => $"slot freed (load {_scheduler.Load()})");
    }

    [Test]
    public async Task StreamedCompletionPastTheBound_EndsWithRequestTimeout_AndFreesItsSlot()
    {
        var error = await Assert.ThrowsAsync<HttpRequestException>(() => Completions.TextAsync(Completions.RestDeltas(_http, Completions.Prompt(2), LongTokens)));

        // Cut after its first event: an error event; cut before (a slow first token): a 504. Either names the cause.
        Assert.That(error!.Message, Does.StartWith("Error event:").Or.StartWith("504:"));
        Assert.That(error.Message, Does.Contain("\"code\":\"request_timeout\""));
        await Poll.UntilAsync(() => _scheduler.Load() == 0, TimeSpan.FromSeconds(1), () => $"slot freed (load {_scheduler.Load()})");
    }

    [Test]
    public async Task QuickRequests_WithPausesLongerThanTheBound_AreNeverCut()
    {
        // Each request's bound is reused by later ones: an earlier request's timer must not go off in a later one.
        for (var request = 0; request < 4; request++)
        {
            using var response = await _http.PostAsync("/v1/completions",
                new StringContent(Completions.RestBody(Completions.Prompt(request), 4, stream: false), Encoding.UTF8, "application/json")).DefaultTimeout();
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), $"request {request}: {await response.Content.ReadAsStringAsync()}");
            await Task.Delay(Bound * 2);
        }
    }

    [Test]
    public async Task GrpcStream_IsNotBoundByTheRestTimeout()
    {
        var client = new InferenceService.InferenceServiceClient(_channel);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var count = 0;
        string? finish = null;
        using var call = client.StreamComplete(Completions.Greedy(Completions.Prompt(3), LongTokens),
            deadline: DateTime.UtcNow.Add(TimeoutExtensions.Default));
        while (await call.ResponseStream.MoveNext().DefaultTimeout())
        {
            foreach (var choice in call.ResponseStream.Current.Choices)
            {
                count++;
                finish = choice.HasFinishReason ? choice.FinishReason : finish;
            }
        }

        Assert.That(finish, Is.EqualTo("length"), $"{count} chunks in {watch.ElapsedMilliseconds} ms");
        Assert.That(watch.Elapsed, Is.GreaterThan(Bound), "the stream ran longer than the REST bound");
    }
}
