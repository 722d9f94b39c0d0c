using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text.Json;
using Inference.Server.Tests.Support;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Embeddings;
using OpenAI.Models;

namespace Inference.Server.Tests;

/// <summary>The official OpenAI .NET SDK against the real server: what users of it get.</summary>
public sealed class OpenAiDotnetSdkTests : ServerFixture
{
    private OpenAIClientOptions Options => new() { Endpoint = new Uri(HttpAddress, "/v1") };

    private ApiKeyCredential Key => new(ApiKey);

    private ChatClient Chat(string model = "tiny-chat") => new(model, Key, Options);

    private static ChatCompletionOptions Greedy(int maxTokens = 12) => new() { Temperature = 0, MaxOutputTokenCount = maxTokens };

    [Test]
    public async Task CompleteChat_ReturnsAssistantTextWithUsage()
    {
        ChatCompletion completion = await Chat().CompleteChatAsync([new UserChatMessage("Hello there")], Greedy()).DefaultTimeout();

        Assert.That(completion.Id, Does.StartWith("chatcmpl-"));
        Assert.That(completion.Model, Is.EqualTo("tiny-chat"));
        Assert.That(completion.Role, Is.EqualTo(ChatMessageRole.Assistant));
        Assert.That(completion.Content, Has.Count.EqualTo(1));
        Assert.That(completion.FinishReason, Is.EqualTo(ChatFinishReason.Stop).Or.EqualTo(ChatFinishReason.Length));
        Assert.That(completion.Usage.InputTokenCount, Is.GreaterThan(0));
        Assert.That(completion.Usage.OutputTokenCount, Is.InRange(1, 12));
        Assert.That(completion.Usage.TotalTokenCount, Is.EqualTo(completion.Usage.InputTokenCount + completion.Usage.OutputTokenCount));
        Assert.That(completion.CreatedAt, Is.GreaterThan(DateTimeOffset.UnixEpoch));
    }

    [Test]
    public async Task CompleteChatStreaming_WithUsage_YieldsSameTextAsUnaryAndEndsWithUsage()
    {
        var messages = new ChatMessage[] { new SystemChatMessage("Be brief."), new UserChatMessage("Tell me a story") };
        ChatCompletion whole = await Chat().CompleteChatAsync(messages, Greedy()).DefaultTimeout();

        var updates = await Chat().CompleteChatStreamingAsync(messages, Greedy()).CollectAsync();
        var text = string.Concat(updates.SelectMany(u => u.ContentUpdate).Select(p => p.Text));

        Assert.That(text, Is.EqualTo(whole.Content[0].Text));
        Assert.That(updates.First().Role, Is.EqualTo(ChatMessageRole.Assistant));
        Assert.That(updates.Select(u => u.FinishReason).OfType<ChatFinishReason>().ToList(), Has.Count.EqualTo(1));
        var usage = updates.Last().Usage;
        Assert.That(usage, Is.Not.Null, "the last update carries the usage");
        Assert.That(usage!.OutputTokenCount, Is.EqualTo(whole.Usage.OutputTokenCount));
        Assert.That(usage.InputTokenCount, Is.EqualTo(whole.Usage.InputTokenCount));
    }

    [Test]
    public async Task CompleteChat_WithSeveralChoices_ReturnsThemAll()
    {
        var raw = await Chat().CompleteChatAsync(
            BinaryContent.Create(BinaryData.FromString("""{"model":"tiny-chat","messages":[{"role":"user","content":"hi"}],"n":3,"max_tokens":4,"temperature":0}""")),
            new RequestOptions()).DefaultTimeout();
        using var json = JsonDocument.Parse(raw.GetRawResponse().Content);

        var indexes = json.RootElement.GetProperty("choices").EnumerateArray().Select(c => c.GetProperty("index").GetInt32());
        Assert.That(indexes, Is.EqualTo(new[] { 0, 1, 2 }));
    }

    [Test]
    public async Task GenerateEmbedding_SdkDefaultBase64_DecodesToUnitVector()
    {
        var client = new EmbeddingClient("tiny-embed", Key, Options);

        OpenAIEmbedding embedding = await client.GenerateEmbeddingAsync("The quick brown fox").DefaultTimeout();
        var vector = embedding.ToFloats().ToArray();

        Assert.That(vector, Has.Length.EqualTo(128));
        Assert.That(Math.Sqrt(vector.Sum(x => (double)x * x)), Is.EqualTo(1).Within(1e-3));
    }

    [Test]
    public async Task GenerateEmbeddings_FloatAndBase64_AgreeAndHonourDimensions()
    {
        var client = new EmbeddingClient("tiny-embed", Key, Options);
        var base64 = await client.GenerateEmbeddingsAsync(["one", "two"], new EmbeddingGenerationOptions { Dimensions = 64 }).DefaultTimeout();

        // The SDK has no switch for float; its protocol method sends the body as given.
        var raw = await client.GenerateEmbeddingsAsync(
            BinaryContent.Create(BinaryData.FromString("""{"model":"tiny-embed","input":["one","two"],"encoding_format":"float","dimensions":64}""")),
            new RequestOptions()).DefaultTimeout();
        using var json = JsonDocument.Parse(raw.GetRawResponse().Content);
        var floats = json.RootElement.GetProperty("data").EnumerateArray()
            .Select(d => d.GetProperty("embedding").EnumerateArray().Select(x => x.GetSingle()).ToArray()).ToList();

        Assert.That(base64.Value, Has.Count.EqualTo(2));
        Assert.That(base64.Value.Usage.InputTokenCount, Is.GreaterThan(0));
        for (var i = 0; i < 2; i++)
        {
            var decoded = base64.Value[i].ToFloats().ToArray();
            Assert.That(decoded, Has.Length.EqualTo(64));
            Assert.That(decoded, Is.EqualTo(floats[i]).Within(1e-6f));
        }
    }

    [Test]
    public async Task Models_ListAndRetrieve_ShowTheServedModels()
    {
        var client = new OpenAIModelClient(Key, Options);

        OpenAIModelCollection models = await client.GetModelsAsync().DefaultTimeout();
        OpenAIModel chat = await client.GetModelAsync("tiny-chat").DefaultTimeout();

        Assert.That(models.Select(m => m.Id), Is.SupersetOf(new[] { "tiny-chat", "tiny-embed" }));
        Assert.That(chat.Id, Is.EqualTo("tiny-chat"));
        Assert.That(chat.OwnedBy, Is.Not.Empty);
    }

    [Test]
    public async Task UnknownModel_Surfaces404()
    {
        var error = await Assert.ThrowsAsync<ClientResultException>(() => Chat("no-such-model").CompleteChatAsync([new UserChatMessage("hi")]).DefaultTimeout());
        Assert.That(error!.Status, Is.EqualTo(404));
        Assert.That(error.Message, Does.Contain("model_not_found"));
    }

    [Test]
    public async Task RetrieveUnknownModel_Surfaces404()
    {
        var error = await Assert.ThrowsAsync<ClientResultException>(() => new OpenAIModelClient(Key, Options).GetModelAsync("no-such-model").DefaultTimeout());
        Assert.That(error!.Status, Is.EqualTo(404));
    }

    [Test]
    public async Task InvalidParameter_Surfaces400()
    {
        var options = Greedy();
        options.Temperature = 5;
        var error = await Assert.ThrowsAsync<ClientResultException>(() => Chat().CompleteChatAsync([new UserChatMessage("hi")], options).DefaultTimeout());
        Assert.That(error!.Status, Is.EqualTo(400));
        Assert.That(error.Message, Does.Contain("temperature"));
    }

    [Test]
    public async Task PromptOverContext_Surfaces400ContextLengthExceeded()
    {
        var longText = string.Concat(Enumerable.Repeat("hello world ", 1000));
        var error = await Assert.ThrowsAsync<ClientResultException>(() => Chat().CompleteChatAsync([new UserChatMessage(longText)], Greedy()).DefaultTimeout());
        Assert.That(error!.Status, Is.EqualTo(400));
        Assert.That(error.Message, Does.Contain("context_length_exceeded"));
    }

    [Test]
    public async Task StreamingUnknownModel_Surfaces404BeforeAnyUpdate()
    {
        var error = await Assert.ThrowsAsync<ClientResultException>(() => Chat("no-such-model").CompleteChatStreamingAsync([new UserChatMessage("hi")]).CollectAsync());
        Assert.That(error!.Status, Is.EqualTo(404));
    }
}
