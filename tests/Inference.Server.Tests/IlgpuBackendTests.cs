using System.ClientModel;
using System.Net.Http.Json;
using System.Text.Json;
using Inference.Engine;
using Inference.Engine.Models;
using Inference.Server.Tests.Support;
using OpenAI;
using OpenAI.Chat;

namespace Inference.Server.Tests;

/// <summary>
/// tiny-chat served by the ILGPU backend (its kernels on ILGPU's CPU accelerator, as CI has no GPU) through the
/// unchanged scheduler, sampler, stop strings and streaming: the reference answers, and the same text as ONNX
/// Runtime gives for greedy and for seeded sampling with penalties (which reads full logits rows off the device).
/// </summary>
public sealed class IlgpuBackendTests : ServerFixture
{
    private ModelRegistry _onnx = null!;
    private HttpClient _http = null!;

    protected override IEnumerable<string> ServerArguments =>
    [
        "--Inference:Models:0:Id=tiny-chat",
        "--Inference:Models:0:Path=models/tiny-chat",
        "--Inference:Models:0:ExecutionProvider=ilgpu-cpu",
        "--Inference:Models:0:Scheduler:MaxBatchSize=4",
    ];

    [OneTimeSetUp]
    public void LoadOnnxRuntimeModel()
    {
        _onnx = ModelRegistry.Load([new ModelDefinition { Id = "tiny-chat", Path = Path.Combine(AppContext.BaseDirectory, "models", "tiny-chat") }]);
        _http = CreateHttpClient();
    }

    [OneTimeTearDown]
    public void Unload()
    {
        _onnx.Dispose();
        _http.Dispose();
    }

    [Test]
    public async Task OpenAiSdk_Chat_AnswersLikeTheReference()
    {
        var chat = new ChatClient("tiny-chat", new ApiKeyCredential(ApiKey), new OpenAIClientOptions { Endpoint = new Uri(HttpAddress, "/v1") });
        ChatCompletion completion = await chat.CompleteChatAsync(
            [new UserChatMessage("What is 23 + 19?")], new ChatCompletionOptions { Temperature = 0 }).DefaultTimeout();

        Assert.That(completion.Content[0].Text, Is.EqualTo("23 + 19 = 42."));
        Assert.That(completion.FinishReason, Is.EqualTo(ChatFinishReason.Stop));
        Assert.That(completion.Usage.OutputTokenCount, Is.EqualTo(7));
    }

    [Test]
    public async Task StopString_EndsTheAnswerBeforeIt()
    {
        using var response = await _http.PostAsJsonAsync("/v1/chat/completions", new Dictionary<string, object>
        {
            ["model"] = "tiny-chat",
            ["temperature"] = 0,
            ["stop"] = new[] { "9 =" },
            ["messages"] = new[] { new Dictionary<string, string> { ["role"] = "user", ["content"] = "What is 23 + 19?" } },
        }).DefaultTimeout();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        var choice = json.RootElement.GetProperty("choices")[0];
        Assert.That(choice.GetProperty("message").GetProperty("content").GetString(), Is.EqualTo("23 + 1"));
        Assert.That(choice.GetProperty("finish_reason").GetString(), Is.EqualTo("stop"));
    }

    [TestCase("The capital of Japan is")]
    [TestCase("1, 2, 3,")]
    [TestCase("Spell cat:")]
    public async Task StreamedGreedyCompletionWithLogitBias_IsWhatOnnxRuntimeGenerates(string prompt)
    {
        // The same request as Completions.RestBody: greedy with the end-of-text ids biased away.
        var sampling = new SamplingOptions { Temperature = 0, LogitBias = new Dictionary<int, float> { [0] = -100, [2] = -100 } };
        string expected = await OnnxRuntimeText(prompt, sampling);

        string rest = await Completions.TextAsync(Completions.RestDeltas(_http, prompt, 16));

        Assert.That(rest, Is.EqualTo(expected));
    }

    [Test]
    public async Task SeededSamplingWithPenalties_IsWhatOnnxRuntimeGenerates()
    {
        const string prompt = "The capital of France is";
        var sampling = new SamplingOptions { Temperature = 0.9f, TopP = 0.95f, Seed = 7, FrequencyPenalty = 0.5f };
        string expected = await OnnxRuntimeText(prompt, sampling);

        using var response = await _http.PostAsJsonAsync("/v1/completions", new Dictionary<string, object>
        {
            ["model"] = "tiny-chat",
            ["prompt"] = prompt,
            ["max_tokens"] = 16,
            ["temperature"] = 0.9,
            ["top_p"] = 0.95,
            ["seed"] = 7,
            ["frequency_penalty"] = 0.5,
        }).DefaultTimeout();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.That(json.RootElement.GetProperty("choices")[0].GetProperty("text").GetString(), Is.EqualTo(expected));
    }

    private async Task<string> OnnxRuntimeText(string prompt, SamplingOptions sampling)
    {
        Assert.That(_onnx.TryGetChatModel("tiny-chat", out var model), Is.True);
        var request = new GenerationRequest { PromptTokens = model!.Tokenize(prompt), MaxNewTokens = 16, Sampling = sampling };
        var text = new System.Text.StringBuilder();
        await foreach (var item in model.GenerateAsync(request, CancellationToken.None).WithCancellation(CancellationToken.None))
        {
            text.Append(item.TextDelta);
        }

        return text.ToString();
    }
}
