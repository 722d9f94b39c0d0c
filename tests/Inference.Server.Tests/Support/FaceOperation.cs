using Grpc.Core;
using Inference.Contracts.V1;

namespace Inference.Server.Tests.Support;

/// <summary>One operation as each face spells it: a REST request, and the same call through the gRPC stubs.</summary>
internal sealed record FaceOperation(string Name, HttpMethod Method, string Path, string? Body, Func<CallInvoker, Metadata, Task> Grpc)
{
    public override string ToString() => Name;

    public static FaceOperation ListModels { get; } = new("ListModels", HttpMethod.Get, "/v1/models", null,
        (invoker, headers) => new InferenceService.InferenceServiceClient(invoker).ListModelsAsync(new ListModelsRequest(), Options(headers)).ResponseAsync);

    public static FaceOperation GetModel(string model) => new($"GetModel({model})", HttpMethod.Get, $"/v1/models/{model}", null,
        (invoker, headers) => new InferenceService.InferenceServiceClient(invoker).GetModelAsync(new GetModelRequest { Model = model }, Options(headers)).ResponseAsync);

    public static FaceOperation Embeddings(string model) => new($"Embeddings({model})", HttpMethod.Post, "/v1/embeddings",
        $$"""{"model":"{{model}}","input":"The sea is blue."}""",
        (invoker, headers) => new InferenceService.InferenceServiceClient(invoker).GetEmbeddingsAsync(
            new GetEmbeddingsRequest { Model = model, Input = Google.Protobuf.WellKnownTypes.Value.ForString("The sea is blue.") }, Options(headers)).ResponseAsync);

    /// <summary>A short greedy chat completion (unary).</summary>
    public static FaceOperation Chat(string model, int maxTokens = 4) => new($"Chat({model})", HttpMethod.Post, "/v1/chat/completions",
        $$"""{"model":"{{model}}","messages":[{"role":"user","content":"What is 23 + 19?"}],"temperature":0,"max_tokens":{{maxTokens}}}""",
        (invoker, headers) => new InferenceService.InferenceServiceClient(invoker).ChatCompleteAsync(ChatRequest(model, maxTokens), Options(headers)).ResponseAsync);

    /// <summary>The same chat streamed: server-sent events on REST, StreamChatComplete on gRPC.</summary>
    public static FaceOperation ChatStream(string model, int maxTokens = 4) => new($"ChatStream({model})", HttpMethod.Post, "/v1/chat/completions",
        $$"""{"model":"{{model}}","messages":[{"role":"user","content":"What is 23 + 19?"}],"temperature":0,"max_tokens":{{maxTokens}},"stream":true}""",
        async (invoker, headers) =>
        {
            using var call = new InferenceService.InferenceServiceClient(invoker).StreamChatComplete(ChatRequest(model, maxTokens), Options(headers));
            while (await call.ResponseStream.MoveNext(CancellationToken.None).ConfigureAwait(false))
            {
            }
        });

    public static FaceOperation ListApiKeys { get; } = new("ListApiKeys", HttpMethod.Get, "/v1/admin/keys", null,
        (invoker, headers) => new AdminService.AdminServiceClient(invoker).ListApiKeysAsync(new ListApiKeysRequest(), Options(headers)).ResponseAsync);

    private static ChatCompleteRequest ChatRequest(string model, int maxTokens) => new()
    {
        Model = model,
        Temperature = 0,
        MaxTokens = maxTokens,
        Messages = { new ChatMessage { Role = "user", Content = Google.Protobuf.WellKnownTypes.Value.ForString("What is 23 + 19?") } },
    };

    private static CallOptions Options(Metadata headers) => new(headers, DateTime.UtcNow.Add(TimeoutExtensions.Default));
}
