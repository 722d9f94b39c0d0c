using System.Diagnostics;
using Inference.Engine.Models;

namespace Inference.Engine.Tests.Models;

[TestFixture]
public sealed class SyntheticChatModelTests
{
    private static IChatModel Load(double tokensPerSecond, ModelRegistry[] keep, int maxConcurrentSequences = 1024)
    {
        keep[0] = ModelRegistry.Load([new ModelDefinition
        {
            Id = "synthetic",
            Synthetic = new SyntheticOptions { TokensPerSecond = tokensPerSecond, MaxConcurrentSequences = maxConcurrentSequences },
        }]);
        keep[0].TryGetChatModel("synthetic", out var model);
        return model!;
    }

    private static async Task<(string Text, int Count, FinishReason? Finish)> Run(IChatModel model, GenerationRequest request)
    {
        var text = new System.Text.StringBuilder();
        int count = 0;
        FinishReason? finish = null;
        await foreach (var item in model.GenerateAsync(request, CancellationToken.None))
        {
            text.Append(item.TextDelta);
            count++;
            finish = item.FinishReason;
        }

        return (text.ToString(), count, finish);
    }

    [Test]
    public async Task SameRequest_SameText_WithExactlyMaxTokens()
    {
        var keep = new ModelRegistry[1];
        var model = Load(0, keep);
        using var _ = keep[0];
        var request = new GenerationRequest { PromptTokens = model.Tokenize("hi"), MaxNewTokens = 30 };

        var first = await Run(model, request);
        var second = await Run(model, request);

        Assert.That(first.Text, Is.EqualTo(second.Text).And.StartsWith(" The quick brown fox"));
        Assert.That(first.Count, Is.EqualTo(30));
        Assert.That(first.Finish, Is.EqualTo(FinishReason.Length));
        Assert.That(model.Detokenize(model.Tokenize("héllo ✓")), Is.EqualTo("héllo ✓"));
    }

    [Test]
    public void RenderChat_WritesChatMl_WithOrWithoutTheGenerationPrompt()
    {
        var keep = new ModelRegistry[1];
        var model = Load(0, keep);
        using var _ = keep[0];
        ChatMessage[] messages = [new("system", "Be brief."), new("user", "héllo ✓"), new("assistant", null)];

        Assert.That(
            model.RenderChat(messages, tools: null, addGenerationPrompt: true),
            Is.EqualTo("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nhéllo ✓<|im_end|>\n<|im_start|>assistant\n<|im_end|>\n<|im_start|>assistant\n"));
        Assert.That(model.RenderChat(messages[..1], tools: null, addGenerationPrompt: false), Is.EqualTo("<|im_start|>system\nBe brief.<|im_end|>\n"));
    }

    [Test]
    public async Task TokensPerSecond_PacesTheStream()
    {
        var keep = new ModelRegistry[1];
        var model = Load(100, keep);
        using var _ = keep[0];
        var watch = Stopwatch.StartNew();
        var result = await Run(model, new GenerationRequest { PromptTokens = [1], MaxNewTokens = 20 });
        Assert.That(result.Count, Is.EqualTo(20));
        Assert.That(watch.Elapsed, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(180)), "20 tokens at 100/s take about 200 ms");
    }

    [Test]
    public async Task StopSequence_EndsTheStream()
    {
        var keep = new ModelRegistry[1];
        var model = Load(0, keep);
        using var _ = keep[0];
        var result = await Run(model, new GenerationRequest { PromptTokens = [1], MaxNewTokens = 30, StopSequences = ["fox"] });
        Assert.That(result.Text, Is.EqualTo(" The quick brown "));
        Assert.That(result.Finish, Is.EqualTo(FinishReason.Stop));
    }

    [Test]
    public async Task ConcurrencyBound_RefusesOneMore_AndAFinishedSequenceFreesItsPlace()
    {
        var keep = new ModelRegistry[1];
        var model = Load(0, keep, maxConcurrentSequences: 1);
        using var _ = keep[0];
        var request = new GenerationRequest { PromptTokens = [1], MaxNewTokens = 3 };

        await using (var first = model.GenerateAsync(request, CancellationToken.None).GetAsyncEnumerator())
        {
            Assert.That(await first.MoveNextAsync(), Is.True);
            Assert.Throws<ModelOverloadedException>(() => model.GenerateAsync(request, CancellationToken.None));
        }

        // Disposed early, then read to its end: each frees its place exactly once.
        Assert.That((await Run(model, request)).Count, Is.EqualTo(3));
        Assert.That((await Run(model, request)).Finish, Is.EqualTo(FinishReason.Length));
    }

    [Test]
    public async Task PacedStream_StopsOnEitherCancellationToken_AndFreesItsPlace()
    {
        var keep = new ModelRegistry[1];
        var model = Load(20, keep, maxConcurrentSequences: 1);
        using var _ = keep[0];
        var request = new GenerationRequest { PromptTokens = [1], MaxNewTokens = 100 };

        using (var generateToken = new CancellationTokenSource())
        {
            await using var events = model.GenerateAsync(request, generateToken.Token).GetAsyncEnumerator();
            Assert.That(await events.MoveNextAsync(), Is.True);
            generateToken.CancelAfter(TimeSpan.FromMilliseconds(20));
            await Assert.ThrowsAsync<TaskCanceledException>(async () => await events.MoveNextAsync());
        }

        using (var enumeratorToken = new CancellationTokenSource())
        {
            await using var events = model.GenerateAsync(request, CancellationToken.None).WithCancellation(enumeratorToken.Token).GetAsyncEnumerator();
            Assert.That(await events.MoveNextAsync(), Is.True);
            enumeratorToken.CancelAfter(TimeSpan.FromMilliseconds(20));
            await Assert.ThrowsAsync<TaskCanceledException>(async () => await events.MoveNextAsync());
        }

        Assert.That((await Run(model, request with { MaxNewTokens = 2 })).Count, Is.EqualTo(2), "both cancelled sequences freed their place");
    }
}
