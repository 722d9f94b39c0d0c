using System.ClientModel;
using System.Numerics.Tensors;
using Google.Protobuf.WellKnownTypes;
using Grpc.Net.Client;
using Grpc.Net.Client.Web;
using Inference.Contracts.V1;
using Inference.Server.Tests.Support;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Embeddings;

namespace Inference.Server.Tests;

/// <summary>
/// The embedded models really answer, through every face: the same answers the reference implementation gives
/// (tests/Inference.Engine.Tests/Fixtures/models/*/golden.json), not just well-shaped responses.
/// </summary>
public sealed class RealModelAnswerTests : ServerFixture
{
    [Test]
    public async Task OpenAiSdk_Chat_AnswersArithmeticLikeTheReference()
    {
        var chat = new ChatClient("tiny-chat", new ApiKeyCredential(ApiKey), new OpenAIClientOptions { Endpoint = new Uri(HttpAddress, "/v1") });
        ChatCompletion completion = await chat.CompleteChatAsync(
            [new UserChatMessage("What is 23 + 19?")], new ChatCompletionOptions { Temperature = 0 }).DefaultTimeout();

        Assert.That(completion.Content[0].Text, Is.EqualTo("23 + 19 = 42."));
        Assert.That(completion.FinishReason, Is.EqualTo(ChatFinishReason.Stop));
        Assert.That(completion.Usage.InputTokenCount, Is.EqualTo(14), "the reference prompt is 14 tokens");
        Assert.That(completion.Usage.OutputTokenCount, Is.EqualTo(7), "six answer tokens and <|im_end|>");
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task Grpc_AndGrpcWeb_Chat_AnswerCapitalsLikeTheReference(bool grpcWeb)
    {
        using var channel = grpcWeb
            ? CreateGrpcWebChannel()
            : CreateGrpcChannel();
        var client = new InferenceService.InferenceServiceClient(channel);
        var request = new ChatCompleteRequest
        {
            Model = "tiny-chat",
            Temperature = 0,
            Messages = { new Contracts.V1.ChatMessage { Role = "user", Content = Value.ForString("What is the capital of France?") } },
        };

        var response = await client.ChatCompleteAsync(request).ResponseAsync.DefaultTimeout();

        Assert.That(response.Choices[0].Message.Content, Is.EqualTo("The capital of France is Paris."));
        Assert.That(response.Choices[0].FinishReason, Is.EqualTo("stop"));
    }

    [Test]
    public async Task OpenAiSdk_Embeddings_PlaceParaphrasesCloserThanUnrelatedTexts()
    {
        var embeddings = new EmbeddingClient("tiny-embed", new ApiKeyCredential(ApiKey), new OpenAIClientOptions { Endpoint = new Uri(HttpAddress, "/v1") });
        OpenAIEmbeddingCollection vectors = await embeddings.GenerateEmbeddingsAsync(
            ["What is the capital of France?", "Name France's capital city.", "What is 23 + 19?"]).DefaultTimeout();

        float paraphrase = TensorPrimitives.CosineSimilarity(vectors[0].ToFloats().Span, vectors[1].ToFloats().Span);
        float unrelated = TensorPrimitives.CosineSimilarity(vectors[0].ToFloats().Span, vectors[2].ToFloats().Span);
        Assert.That(paraphrase, Is.GreaterThan(0.8f));
        Assert.That(unrelated, Is.LessThan(0.3f));
        Assert.That(vectors[0].ToFloats().Length, Is.EqualTo(128));
    }
}
