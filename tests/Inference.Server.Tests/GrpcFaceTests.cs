using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Grpc.Net.Client.Web;
using Inference.Contracts.V1;
using Inference.Server.Tests.Support;

namespace Inference.Server.Tests;

/// <summary>Which transport a gRPC client uses.</summary>
public enum GrpcFace
{
    /// <summary>gRPC over HTTP/2 cleartext, on the gRPC port.</summary>
    Http2,

    /// <summary>gRPC-Web over HTTP/1.1, on the REST port (what browsers speak).</summary>
    GrpcWeb,
}

/// <summary>Every RPC through Grpc.Net.Client, over HTTP/2 and over gRPC-Web.</summary>
[TestFixture(GrpcFace.Http2)]
[TestFixture(GrpcFace.GrpcWeb)]
public sealed class GrpcFaceTests(GrpcFace face) : ServerFixture
{
    private GrpcChannel _channel = null!;
    private InferenceService.InferenceServiceClient _client = null!;

    [OneTimeSetUp]
    public void CreateClient()
    {
        _channel = face == GrpcFace.Http2 ? CreateGrpcChannel() : CreateGrpcWebChannel();
        _client = new InferenceService.InferenceServiceClient(_channel);
    }

    [OneTimeTearDown]
    public void DisposeClient() => _channel.Dispose();

    private static CallOptions Bounded => new(deadline: DateTime.UtcNow.Add(TimeoutExtensions.Default));

    private static ChatCompleteRequest ChatRequest(string model = "tiny-chat") => new()
    {
        Model = model,
        Messages = { new ChatMessage { Role = "user", Content = Value.ForString("Hello there") } },
        Temperature = 0,
        MaxTokens = 10,
    };

    [Test]
    public async Task ChatComplete_ReturnsOneChoiceWithUsage()
    {
        var response = await _client.ChatCompleteAsync(ChatRequest(), Bounded).ResponseAsync.DefaultTimeout();

        Assert.That(response.Object, Is.EqualTo("chat.completion"));
        Assert.That(response.Choices, Has.Count.EqualTo(1));
        Assert.That(response.Choices[0].Message.Role, Is.EqualTo("assistant"));
        Assert.That(response.Choices[0].FinishReason, Is.EqualTo("stop").Or.EqualTo("length"));
        Assert.That(response.Usage.CompletionTokens, Is.InRange(1, 10));
    }

    [Test]
    public async Task StreamChatComplete_StreamsTheUnaryTextWithRoleFirstAndFinishLast()
    {
        var whole = await _client.ChatCompleteAsync(ChatRequest(), Bounded).ResponseAsync.DefaultTimeout();
        var request = ChatRequest();
        request.StreamOptions = new StreamOptions { IncludeUsage = true };

        using var call = _client.StreamChatComplete(request, Bounded);
        var chunks = await call.ResponseStream.ReadAllAsync().CollectAsync();

        var choiceChunks = chunks.Where(c => c.Choices.Count > 0).ToList();
        Assert.That(string.Concat(choiceChunks.Select(c => c.Choices[0].Delta.Content)), Is.EqualTo(whole.Choices[0].Message.Content));
        Assert.That(choiceChunks[0].Choices[0].Delta.Role, Is.EqualTo("assistant"));
        Assert.That(choiceChunks[^1].Choices[0].FinishReason, Is.EqualTo(whole.Choices[0].FinishReason));
        Assert.That(chunks[^1].Choices, Is.Empty);
        Assert.That(chunks[^1].Usage.TotalTokens, Is.EqualTo(whole.Usage.TotalTokens));
        Assert.That(chunks.Select(c => c.Id).Distinct().Count(), Is.EqualTo(1));
    }

    [Test]
    public async Task Complete_AndStreamComplete_AgreeOnText()
    {
        var request = new CompleteRequest { Model = "tiny-chat", Prompt = Value.ForString("Once upon a time"), Temperature = 0, MaxTokens = 8 };
        var whole = await _client.CompleteAsync(request, Bounded).ResponseAsync.DefaultTimeout();

        using var call = _client.StreamComplete(request, Bounded);
        var chunks = await call.ResponseStream.ReadAllAsync().CollectAsync();

        Assert.That(whole.Object, Is.EqualTo("text_completion"));
        Assert.That(string.Concat(chunks.SelectMany(c => c.Choices).Select(c => c.Text)), Is.EqualTo(whole.Choices[0].Text));
        Assert.That(whole.Usage.CompletionTokens, Is.InRange(1, 8));
    }

    [Test]
    public async Task GetEmbeddings_ReturnsOneVectorPerInput()
    {
        var request = new GetEmbeddingsRequest
        {
            Model = "tiny-embed",
            Input = Value.ForList(Value.ForString("one"), Value.ForString("two"), Value.ForString("three")),
        };

        var response = await _client.GetEmbeddingsAsync(request, Bounded).ResponseAsync.DefaultTimeout();

        Assert.That(response.Data.Select(d => d.Index), Is.EqualTo(new[] { 0, 1, 2 }));
        Assert.That(response.Data[0].Embedding_.ListValue.Values, Has.Count.EqualTo(128));
        Assert.That(response.Usage.PromptTokens, Is.GreaterThan(0));
    }

    [Test]
    public async Task ListModels_AndGetModel_ShowTheServedModels()
    {
        var list = await _client.ListModelsAsync(new ListModelsRequest(), Bounded).ResponseAsync.DefaultTimeout();
        var model = await _client.GetModelAsync(new GetModelRequest { Model = "tiny-embed" }, Bounded).ResponseAsync.DefaultTimeout();

        Assert.That(list.Data.Select(m => m.Id), Is.SupersetOf(new[] { "tiny-chat", "tiny-embed" }));
        Assert.That(model.Id, Is.EqualTo("tiny-embed"));
        Assert.That(model.Object, Is.EqualTo("model"));
    }

    [Test]
    public async Task Tokenize_ThenDetokenize_RoundTripsText()
    {
        var tokens = await _client.TokenizeAsync(new TokenizeRequest { Model = "tiny-chat", Prompt = "Hello world" }, Bounded).ResponseAsync.DefaultTimeout();
        var text = await _client.DetokenizeAsync(new DetokenizeRequest { Model = "tiny-chat", Tokens = { tokens.Tokens } }, Bounded).ResponseAsync.DefaultTimeout();

        Assert.That(tokens.Count, Is.EqualTo(tokens.Tokens.Count).And.GreaterThan(0));
        Assert.That(tokens.MaxModelLen, Is.GreaterThan(0));
        Assert.That(text.Prompt, Is.EqualTo("Hello world"));
    }

    [Test]
    public async Task UnknownModel_IsNotFoundWithErrorInfo()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _client.ChatCompleteAsync(ChatRequest("no-such-model"), Bounded).ResponseAsync.DefaultTimeout());

        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.NotFound));
        var info = error.GetRpcStatus()?.GetDetail<ErrorInfo>();
        Assert.That(info?.Reason, Is.EqualTo("model_not_found"));
    }

    [Test]
    public async Task InvalidParameter_IsInvalidArgumentWithFieldViolation()
    {
        var request = ChatRequest();
        request.TopP = 3;

        var error = await Assert.ThrowsAsync<RpcException>(() => _client.ChatCompleteAsync(request, Bounded).ResponseAsync.DefaultTimeout());

        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
        var violation = error.GetRpcStatus()?.GetDetail<BadRequest>()?.FieldViolations.Single();
        Assert.That(violation?.Field, Is.EqualTo("top_p"));
    }

    [Test]
    public async Task PromptOverContext_IsInvalidArgumentWithContextLengthReason()
    {
        var request = ChatRequest();
        request.Messages[0].Content = Value.ForString(string.Concat(Enumerable.Repeat("hello world ", 1000)));

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var call = _client.StreamChatComplete(request, Bounded);
            await call.ResponseStream.ReadAllAsync().CollectAsync();
        });

        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
        Assert.That(error.GetRpcStatus()?.GetDetail<ErrorInfo>()?.Reason, Is.EqualTo("context_length_exceeded"));
    }

    [Test]
    public async Task Health_ReportsServing()
    {
        var health = new Health.HealthClient(_channel);

        var response = await health.CheckAsync(new HealthCheckRequest(), Bounded).ResponseAsync.DefaultTimeout();

        Assert.That(response.Status, Is.EqualTo(HealthCheckResponse.Types.ServingStatus.Serving));
    }
}
