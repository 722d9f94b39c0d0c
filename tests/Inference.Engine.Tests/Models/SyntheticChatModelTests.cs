using System.Diagnostics;
using Inference.Engine.Models;

namespace Inference.Engine.Tests.Models;

[TestFixture]
public sealed class SyntheticChatModelTests
{
    private static IChatModel Load(double tokensPerSecond, ModelRegistry[] keep)
    {
        keep[0] = ModelRegistry.Load([new ModelDefinition { Id = "synthetic", Synthetic = new SyntheticOptions { TokensPerSecond = tokensPerSecond } }]);
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
}
