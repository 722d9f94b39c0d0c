using Inference.Engine.Models;
using Inference.Engine.Scheduling;

namespace Inference.Engine.Tests.Scheduling;

[TestFixture]
public sealed class OverloadTests
{
    [Test]
    public async Task RequestBeyondBatchPlusQueue_IsRefusedAtOnce_AndServedAfterLoadDrops()
    {
        using var registry = ModelRegistry.Load([new ModelDefinition
        {
            Id = "tiny-chat",
            Path = GoldenFiles.ModelFolder("tiny-chat"),
            Scheduler = new SchedulerOptions { MaxBatchSize = 1, MaxQueuedRequests = 1 },
        }]);
        registry.TryGetChatModel("tiny-chat", out var model);
        var prompt = model!.Tokenize("1, 2, 3");
        var longRequest = new GenerationRequest
        {
            PromptTokens = prompt,
            MaxNewTokens = 200,
            Sampling = new SamplingOptions { Temperature = 1f, Seed = 3, LogitBias = new Dictionary<int, float> { [0] = -100f, [2] = -100f } },
        };
        using var cancel = new CancellationTokenSource();
        var scheduler = ((ChatModel)model).Scheduler;

        var running = Drain(model.GenerateAsync(longRequest, cancel.Token));
        await WaitUntil(() => scheduler.ActiveSequences == 1);
        var queued = Drain(model.GenerateAsync(longRequest, cancel.Token));

        var started = System.Diagnostics.Stopwatch.StartNew();
        var refused = Assert.Throws<ModelOverloadedException>(() => model.GenerateAsync(longRequest, cancel.Token));
        Assert.That(started.Elapsed, Is.LessThan(TimeSpan.FromMilliseconds(100)));
        Assert.That(refused!.RetryAfter, Is.GreaterThan(TimeSpan.Zero));

        await cancel.CancelAsync();
        Assert.That(async () => await running, Throws.InstanceOf<OperationCanceledException>());
        Assert.That(async () => await queued, Throws.InstanceOf<OperationCanceledException>());
        await WaitUntil(() => scheduler.ActiveSequences == 0 && scheduler.QueueDepth == 0);

        var after = await Drain(model.GenerateAsync(longRequest with { MaxNewTokens = 3 }, CancellationToken.None));
        Assert.That(after, Is.EqualTo(3));
    }

    [Test]
    public async Task BurstOfBatchPlusQueueRequests_IsAllAccepted_AndOnlyTheNextIsRefused()
    {
        // Regression: the bound counted only waiting requests, so a burst arriving while the batch had free slots
        // was refused beyond Q even though B of it was about to run.
        const int Batch = 2;
        const int Queue = 2;
        using var registry = ModelRegistry.Load([new ModelDefinition
        {
            Id = "tiny-chat",
            Path = GoldenFiles.ModelFolder("tiny-chat"),
            Scheduler = new SchedulerOptions { MaxBatchSize = Batch, MaxQueuedRequests = Queue },
        }]);
        registry.TryGetChatModel("tiny-chat", out var model);
        var request = new GenerationRequest
        {
            PromptTokens = model!.Tokenize("1, 2, 3"),
            MaxNewTokens = 400,
            Sampling = new SamplingOptions { Temperature = 0f, LogitBias = new Dictionary<int, float> { [0] = -100f, [2] = -100f } },
        };
        using var cancel = new CancellationTokenSource();
        var scheduler = ((ChatModel)model).Scheduler;

        var burst = new List<IAsyncEnumerable<GenerationEvent>>();
        for (int i = 0; i < Batch + Queue; i++)
        {
            burst.Add(model.GenerateAsync(request, cancel.Token));
        }

        Assert.Throws<ModelOverloadedException>(() => model.GenerateAsync(request, cancel.Token));
        var running = burst.Select(Drain).ToArray();
        await WaitUntil(() => scheduler.ActiveSequences == Batch && scheduler.QueueDepth == Queue);
        await cancel.CancelAsync();
        foreach (var stream in running)
        {
            Assert.That(async () => await stream, Throws.InstanceOf<OperationCanceledException>());
        }

        await WaitUntil(() => scheduler.ActiveSequences == 0 && scheduler.QueueDepth == 0);
        var again = Enumerable.Range(0, Batch + Queue).Select(_ => Drain(model.GenerateAsync(request with { MaxNewTokens = 2 }, CancellationToken.None))).ToArray();
        Assert.That(await Task.WhenAll(again), Is.All.EqualTo(2), "the bound is released as sequences end");
    }

    private static async Task<int> Drain(IAsyncEnumerable<GenerationEvent> events)
    {
        int count = 0;
        await foreach (var _ in events)
        {
            count++;
        }

        return count;
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (!condition())
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "condition not reached in time");
            await Task.Delay(5);
        }
    }
}
