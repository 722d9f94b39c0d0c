using System.Text.Json;
using Inference.Engine.Models;
using Inference.Engine.Scheduling;

namespace Inference.Engine.Tests.Scheduling;

/// <summary>
/// tiny-chat end to end through the engine's public surface: chat template, tokenizer, scheduler and sampler,
/// against the reference outputs.
/// </summary>
[TestFixture]
public sealed class ChatModelTests
{
    private ModelRegistry _registry = null!;
    private IChatModel _model = null!;

    private static JsonElement Golden => GoldenFiles.TinyChat.RootElement;

    [OneTimeSetUp]
    public void Load()
    {
        _registry = ModelRegistry.Load([new ModelDefinition { Id = "tiny-chat", Path = GoldenFiles.ModelFolder("tiny-chat") }]);
        Assert.That(_registry.TryGetChatModel("tiny-chat", out var model), Is.True);
        _model = model!;
    }

    [OneTimeTearDown]
    public void Unload() => _registry.Dispose();

    private static IEnumerable<JsonElement> Cases(params string[] kinds) =>
        Golden.GetProperty("cases").EnumerateArray().Where(c => kinds.Contains(c.GetProperty("kind").GetString()));

    public static IEnumerable<TestCaseData> ChatCaseNames() =>
        Cases("chat").Select(c => new TestCaseData(c.GetProperty("name").GetString()).SetArgDisplayNames(c.GetProperty("name").GetString()!));

    [TestCaseSource(nameof(ChatCaseNames))]
    public void ChatTemplate_RendersAndTokenizesLikeTheReference(string name)
    {
        var golden = Cases("chat").Single(c => c.GetProperty("name").GetString() == name);
        var messages = golden.GetProperty("messages").EnumerateArray()
            .Select(m => new ChatMessage(m.GetProperty("role").GetString()!, m.GetProperty("content").GetString()))
            .ToList();

        string prompt = _model.RenderChat(messages, tools: null, addGenerationPrompt: true);

        Assert.That(prompt, Is.EqualTo(golden.GetProperty("prompt_text").GetString()));
        Assert.That(_model.Tokenize(prompt), Is.EqualTo(Ints(golden.GetProperty("prompt_ids"))));
    }

    [Test]
    public async Task AllCasesAtOnce_EachGivesItsReferenceTokensAndText()
    {
        var cases = Cases("chat", "raw").ToArray();
        var runs = cases.Select(c => Generate(Ints(c.GetProperty("prompt_ids")), 32)).ToArray();
        var results = await Task.WhenAll(runs).WaitAsync(TimeSpan.FromSeconds(60));

        for (int i = 0; i < cases.Length; i++)
        {
            string name = cases[i].GetProperty("name").GetString()!;
            Assert.That(results[i].Tokens, Is.EqualTo(Ints(cases[i].GetProperty("greedy_ids"))), $"{name}: tokens");
            Assert.That(results[i].Text, Is.EqualTo(cases[i].GetProperty("greedy_text").GetString()), $"{name}: text");
            string expectedFinish = cases[i].GetProperty("stop_reason").GetString() == "eos" ? "Stop" : "Length";
            Assert.That(results[i].Finish.ToString(), Is.EqualTo(expectedFinish), $"{name}: finish reason");
        }
    }

    [Test]
    public async Task StopStringSplitAcrossTwoTokens_IsCaughtAndNotEmitted()
    {
        // add_basic answers "23 + 19 = 42." as tokens "23", " +", " 19", " =", " 42", "."; "9 =" spans " 19" and " =".
        var golden = Cases("chat").Single(c => c.GetProperty("name").GetString() == "add_basic");
        var result = await Generate(Ints(golden.GetProperty("prompt_ids")), 32, stop: ["9 ="]);

        Assert.That(result.Text, Is.EqualTo("23 + 1"));
        Assert.That(result.Finish, Is.EqualTo(FinishReason.Stop));
        Assert.That(result.Tokens, Has.Count.EqualTo(4), "generation ends at the token that completes the stop string");
    }

    [Test]
    public async Task MaxTokens_EndsWithLength()
    {
        var golden = Cases("chat").Single(c => c.GetProperty("name").GetString() == "capital_france");
        var result = await Generate(Ints(golden.GetProperty("prompt_ids")), 3);
        Assert.That(result.Tokens, Is.EqualTo(Ints(golden.GetProperty("greedy_ids")).Take(3)));
        Assert.That(result.Finish, Is.EqualTo(FinishReason.Length));
    }

    [Test]
    public async Task SameSeed_SameText_AndTopKOneOrTemperatureZero_EqualGreedy()
    {
        var prompt = _model.Tokenize("<|im_start|>user\nTell me a joke about computers.<|im_end|>\n<|im_start|>assistant\n");
        var greedy = await Generate(prompt, 24);
        var seeded = new SamplingOptions { Temperature = 1.3f, Seed = 1234 };

        var first = await Generate(prompt, 24, seeded);
        var second = await Generate(prompt, 24, seeded);
        var topK1 = await Generate(prompt, 24, new SamplingOptions { Temperature = 1.3f, TopK = 1, Seed = 99 });
        var temperature0 = await Generate(prompt, 24, new SamplingOptions { Temperature = 0f, Seed = 7 });

        Assert.That(second.Text, Is.EqualTo(first.Text));
        Assert.That(topK1.Tokens, Is.EqualTo(greedy.Tokens));
        Assert.That(temperature0.Tokens, Is.EqualTo(greedy.Tokens));
    }

    [Test]
    public async Task LogProbs_AreTheModelsLogSoftmax_WithTheChosenTokenFirstWhenGreedy()
    {
        var golden = Cases("chat").Single(c => c.GetProperty("name").GetString() == "add_basic");
        var events = new List<GenerationEvent>();
        var request = new GenerationRequest { PromptTokens = Ints(golden.GetProperty("prompt_ids")), MaxNewTokens = 4, TopLogProbs = 3 };
        await foreach (var item in _model.GenerateAsync(request, CancellationToken.None))
        {
            events.Add(item);
        }

        var firstTop5 = golden.GetProperty("first_step_top5").EnumerateArray().Select(p => p[1].GetSingle()).ToArray();
        var first = events[0].LogProbs!;
        Assert.That(first.Top.Select(t => t.TokenId), Is.EqualTo(golden.GetProperty("first_step_top5").EnumerateArray().Take(3).Select(p => p[0].GetInt32())));
        Assert.That(first.Token.TokenId, Is.EqualTo(first.Top[0].TokenId));
        // Differences of log-probabilities equal differences of logits.
        Assert.That(first.Top[0].LogProb - first.Top[1].LogProb, Is.EqualTo(firstTop5[0] - firstTop5[1]).Within(1e-3));
        Assert.That(first.Token.LogProb, Is.LessThanOrEqualTo(0f));
        Assert.That(first.Token.Text, Is.EqualTo("23"));
    }

    [Test]
    public async Task LogProbs_OnTheIlgpuBackend_AreTheOnnxBackends()
    {
        // The ILGPU backend answers greedy choices and log-probabilities from its device reductions (argmax, top-k,
        // log-sum-exp); the ONNX backend from its rows. Same model, same request: same tokens and log-probabilities.
        var golden = Cases("chat").Single(c => c.GetProperty("name").GetString() == "add_basic");
        var request = new GenerationRequest { PromptTokens = Ints(golden.GetProperty("prompt_ids")), MaxNewTokens = 6, TopLogProbs = 5 };
        using var ilgpu = ModelRegistry.Load(
            [new ModelDefinition { Id = "tiny-chat", Path = GoldenFiles.ModelFolder("tiny-chat"), ExecutionProvider = Inference.Engine.Onnx.ExecutionProvider.IlgpuCpu }],
            clock: null,
            Inference.Engine.Cuda.Device.IlgpuBackendFactory.Instance);
        Assert.That(ilgpu.TryGetChatModel("tiny-chat", out var onDevice), Is.True);

        var expected = await Collect(_model, request);
        var actual = await Collect(onDevice!, request);
        Assert.That(actual.Select(e => e.TokenId), Is.EqualTo(expected.Select(e => e.TokenId)));
        for (int i = 0; i < expected.Count; i++)
        {
            var (want, got) = (expected[i].LogProbs!, actual[i].LogProbs!);
            Assert.That(got.Top.Select(t => t.TokenId), Is.EqualTo(want.Top.Select(t => t.TokenId)), $"step {i}: top ids");
            Assert.That(got.Token.LogProb, Is.EqualTo(want.Token.LogProb).Within(1e-3), $"step {i}: chosen");
            Assert.That(got.Top.Select(t => t.LogProb), Is.EqualTo(want.Top.Select(t => t.LogProb)).Within(1e-3f), $"step {i}: top");
        }

        static async Task<List<GenerationEvent>> Collect(IChatModel model, GenerationRequest request)
        {
            var events = new List<GenerationEvent>();
            await foreach (var item in model.GenerateAsync(request, CancellationToken.None))
            {
                events.Add(item);
            }

            return events;
        }
    }

    [Test]
    public async Task CancelledStream_LeavesTheBatchWithinOneSecond()
    {
        var scheduler = ((ChatModel)_model).Scheduler;
        var prompt = _model.Tokenize("1, 2, 3, 4, 5, 6, 7, 8");
        using var cancel = new CancellationTokenSource();
        var request = new GenerationRequest
        {
            PromptTokens = prompt,
            MaxNewTokens = 400,
            Sampling = new SamplingOptions { Temperature = 1f, Seed = 1, LogitBias = new Dictionary<int, float> { [0] = -100f, [2] = -100f } },
        };
        int received = 0;
        var consumer = Task.Run(async () =>
        {
            await foreach (var _ in _model.GenerateAsync(request, cancel.Token))
            {
                if (++received == 3)
                {
                    await cancel.CancelAsync();
                }
            }
        });

        Assert.That(async () => await consumer.WaitAsync(TimeSpan.FromSeconds(10)), Throws.InstanceOf<OperationCanceledException>());
        var deadline = DateTime.UtcNow.AddSeconds(1);
        while (scheduler.ActiveSequences > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        Assert.That(scheduler.ActiveSequences, Is.Zero, "the cancelled sequence still holds a batch slot");
    }

    internal sealed record Result(List<int> Tokens, string Text, FinishReason? Finish);

    private async Task<Result> Generate(IReadOnlyList<int> prompt, int maxNew, SamplingOptions? sampling = null, string[]? stop = null)
    {
        var request = new GenerationRequest
        {
            PromptTokens = prompt,
            MaxNewTokens = maxNew,
            Sampling = sampling ?? SamplingOptions.Greedy,
            StopSequences = stop ?? [],
        };
        var tokens = new List<int>();
        var text = new System.Text.StringBuilder();
        FinishReason? finish = null;
        await foreach (var item in _model.GenerateAsync(request, CancellationToken.None))
        {
            tokens.Add(item.TokenId);
            text.Append(item.TextDelta);
            finish = item.FinishReason ?? finish;
        }

        return new Result(tokens, text.ToString(), finish);
    }

    private static int[] Ints(JsonElement array) => array.EnumerateArray().Select(e => e.GetInt32()).ToArray();
}
