using Grpc.Core;
using Grpc.Net.Client;
using Inference.Contracts.V1;
using Inference.Engine.Scheduling;
using Inference.Server.Tests.Support;

namespace Inference.Server.Tests;

/// <summary>The wire a streamed completion travels.</summary>
public enum StreamFace
{
    /// <summary>StreamComplete over gRPC (h2c).</summary>
    Grpc,

    /// <summary>POST /v1/completions with "stream": true (server-sent events).</summary>
    RestSse,
}

/// <summary>Continuous batching seen from the wire, on the default server: concurrent greedy streams are the same
/// as solo ones, and a stream that goes away (disconnect, cancel, deadline) gives its slot back at once.</summary>
public sealed class ConcurrentStreamsTests : ServerFixture
{
    private const int Streams = 16;
    private const int ParityTokens = 40;

    /// <summary>Near the context (512): a stream that outlives the test's actions on it.</summary>
    private const int LongTokens = 480;

    private static readonly TimeSpan SlotFreedWithin = TimeSpan.FromSeconds(1);

    private GrpcChannel _channel = null!;
    private InferenceService.InferenceServiceClient _client = null!;
    private HttpClient _http = null!;
    private DecodeScheduler _scheduler = null!;

    [OneTimeSetUp]
    public void CreateClients()
    {
        _channel = CreateGrpcChannel();
        _client = new InferenceService.InferenceServiceClient(_channel);
        // SocketsHttpHandler drains an unfinished response (up to 1 MiB, 2 s) to reuse the connection, so the server
        // would see a polite reader, not a disconnect; a client that goes away closes the socket, and so must ours.
        _http = CreateHttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0 });
        _scheduler = SchedulerProbe.Of(Services);
    }

    [OneTimeTearDown]
    public void DisposeClients()
    {
        _channel.Dispose();
        _http.Dispose();
    }

    /// <summary>Each test starts from an idle scheduler, so "back to the level before" is exact.</summary>
    [SetUp]
    public Task SchedulerIsIdle() =>
        Poll.UntilAsync(() => _scheduler.Load() == 0, TimeoutExtensions.Default, () => $"scheduler idle (load {_scheduler.Load()})");

    private IAsyncEnumerable<string> Deltas(StreamFace face, string prompt, int maxTokens, CancellationToken cancellationToken = default) =>
        face == StreamFace.Grpc
            ? Completions.GrpcDeltas(_client, Completions.Greedy(prompt, maxTokens), cancellationToken)
            : Completions.RestDeltas(_http, prompt, maxTokens, cancellationToken);

    private async Task<string[]> SoloTextsAsync(int count, int maxTokens)
    {
        var texts = new string[count];
        for (var i = 0; i < count; i++)
        {
            texts[i] = await Completions.TextAsync(Deltas(StreamFace.Grpc, Completions.Prompt(i), maxTokens));
        }

        return texts;
    }

    [Test]
    public async Task SixteenConcurrentGreedyStreams_EachProduceTheirSoloText()
    {
        var solo = await SoloTextsAsync(Streams, ParityTokens);
        var peak = 0;
        using var watching = new CancellationTokenSource();
        var watcher = Task.Run(async () =>
        {
            while (!watching.IsCancellationRequested)
            {
                peak = Math.Max(peak, _scheduler.ActiveSequences);
                await Task.Yield();
            }
        });

        // Half over gRPC, half over SSE: one scheduler behind both faces.
        var concurrent = await Task.WhenAll(Enumerable.Range(0, Streams).Select(i =>
            Completions.TextAsync(Deltas(i % 2 == 0 ? StreamFace.Grpc : StreamFace.RestSse, Completions.Prompt(i), ParityTokens)))).DefaultTimeout();
        await watching.CancelAsync();
        await watcher.DefaultTimeout();

        Assert.Multiple(() =>
        {
            for (var i = 0; i < Streams; i++)
            {
                Assert.That(solo[i], Is.Not.Empty, $"solo text of stream {i}");
                Assert.That(concurrent[i], Is.EqualTo(solo[i]), $"stream {i} ({Completions.Prompt(i)}) concurrent vs solo");
            }

            Assert.That(peak, Is.GreaterThan(1), "streams were batched together");
        });
    }

    [TestCase(StreamFace.Grpc)]
    [TestCase(StreamFace.RestSse)]
    public async Task AbortedStream_FreesItsSlotWithinOneSecond(StreamFace face)
    {
        var before = _scheduler.ActiveSequences;
        var cancelledBefore = await ScrapeCancelledAsync();
        var started = System.Diagnostics.Stopwatch.StartNew();
        var stream = Deltas(face, Completions.Prompt(5), LongTokens).GetAsyncEnumerator();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                Assert.That(await stream.MoveNextAsync().DefaultTimeout(), Is.True, "the stream is running");
            }

            Assert.That(_scheduler.ActiveSequences, Is.EqualTo(before + 1), "the stream holds a slot mid-way");
        }
        finally
        {
            // Disposing mid-way: the gRPC call is cancelled, the HTTP response (and its connection) closed.
            await stream.DisposeAsync();
        }

        var took = await Poll.UntilAsync(() => _scheduler.ActiveSequences == before, SlotFreedWithin,
            () => $"active sequences back to {before} (now {_scheduler.ActiveSequences})");
        TestContext.Out.WriteLine($"{face}: slot freed {took.TotalMilliseconds:F0} ms after the abort ({started.ElapsedMilliseconds} ms after the start)");
        Assert.That(await ScrapeCancelledAsync(), Is.EqualTo(cancelledBefore + 1), "the sequence was cancelled, not run to its end");
    }

    [TestCase(StreamFace.Grpc)]
    [TestCase(StreamFace.RestSse)]
    public async Task AbortedStream_LeavesTheOtherStreamsUnaffected(StreamFace face)
    {
        const int Others = 6;
        var solo = await SoloTextsAsync(Others, ParityTokens * 2);
        var cancelledBefore = await ScrapeCancelledAsync();

        using var abort = new CancellationTokenSource();
        var victim = Task.Run(async () =>
        {
            var read = 0;
            try
            {
                await foreach (var _ in Deltas(face, Completions.Prompt(Others + 1), LongTokens, abort.Token))
                {
                    if (++read == 3)
                    {
                        // Cancelling the client call mid-stream: the HttpClient request or the gRPC call.
                        await abort.CancelAsync();
                    }
                }
            }
            catch (Exception e) when (e is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
            {
                // A delta already buffered on the client may still arrive after the cancel.
                return read;
            }

            return LongTokens;
        });
        var others = Enumerable.Range(0, Others)
            .Select(i => Completions.TextAsync(Deltas(i % 2 == 0 ? face : StreamFace.Grpc, Completions.Prompt(i), ParityTokens * 2)))
            .ToArray();

        Assert.That(await victim.DefaultTimeout(), Is.InRange(3, LongTokens - 1), "the victim was cut mid-way");
        var took = await Poll.UntilAsync(async () => await ScrapeCancelledAsync() == cancelledBefore + 1, SlotFreedWithin,
            () => $"the scheduler dropped the aborted sequence (cancelled before: {cancelledBefore})");
        TestContext.Out.WriteLine($"{face}: aborted sequence dropped within {took.TotalMilliseconds:F0} ms");
        var texts = await Task.WhenAll(others).DefaultTimeout();
        Assert.Multiple(() =>
        {
            for (var i = 0; i < Others; i++)
            {
                Assert.That(texts[i], Is.EqualTo(solo[i]), $"stream {i} beside the aborted one vs solo");
            }
        });
    }

    [Test]
    public async Task GrpcCallWithShortDeadline_EndsWithDeadlineExceeded_AndFreesItsSlot()
    {
        var before = _scheduler.ActiveSequences;
        var received = 0;
        using var call = _client.StreamComplete(
            Completions.Greedy(Completions.Prompt(9), LongTokens), new CallOptions(deadline: DateTime.UtcNow.AddMilliseconds(150)));
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await call.ResponseStream.MoveNext().DefaultTimeout())
            {
                received++;
            }
        });

        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.DeadlineExceeded), error.Status.ToString());
        Assert.That(received, Is.GreaterThan(0).And.LessThan(LongTokens), "the deadline cut the stream mid-way");
        await Poll.UntilAsync(() => _scheduler.ActiveSequences == before, SlotFreedWithin,
            () => $"active sequences back to {before} (now {_scheduler.ActiveSequences})");
    }

    private async Task<double> ScrapeCancelledAsync()
    {
        var text = await _http.GetStringAsync("/metrics").DefaultTimeout();
        return PrometheusText.Parse(text).Sum(MetricNames.Requests, ("outcome", "cancelled"), ("gen_ai_request_model", Completions.Model));
    }
}
