using Grpc.Core;
using Inference.Contracts.V1;

namespace Inference.Server.Services;

/// <summary>
/// The one implementation of the contract, behind every face: gRPC, gRPC-Web and transcoded REST call it, and the
/// SSE adapter enumerates the same handlers its streaming RPCs do. Errors leave as exceptions and become statuses in
/// <see cref="Errors.ErrorInterceptor"/>.
/// </summary>
internal sealed class InferenceGrpcService(
    ChatCompletionHandler chat,
    TextCompletionHandler text,
    EmbeddingsHandler embeddings,
    ModelCatalogHandler catalog) : InferenceService.InferenceServiceBase
{
    public override Task<CompleteResponse> Complete(CompleteRequest request, ServerCallContext context) =>
        text.CompleteAsync(request, context.CancellationToken);

    public override async Task StreamComplete(
        CompleteRequest request, IServerStreamWriter<CompleteResponse> responseStream, ServerCallContext context)
    {
        await foreach (var chunk in text.StreamAsync(request, context.CancellationToken).ConfigureAwait(false))
        {
            await responseStream.WriteAsync(chunk, context.CancellationToken).ConfigureAwait(false);
        }
    }

    public override Task<ChatCompleteResponse> ChatComplete(ChatCompleteRequest request, ServerCallContext context) =>
        chat.CompleteAsync(request, context.CancellationToken);

    public override async Task StreamChatComplete(
        ChatCompleteRequest request, IServerStreamWriter<ChatCompletionChunk> responseStream, ServerCallContext context)
    {
        await foreach (var chunk in chat.StreamAsync(request, context.CancellationToken).ConfigureAwait(false))
        {
            await responseStream.WriteAsync(chunk, context.CancellationToken).ConfigureAwait(false);
        }
    }

    public override Task<GetEmbeddingsResponse> GetEmbeddings(GetEmbeddingsRequest request, ServerCallContext context) =>
        embeddings.EmbedAsync(request, context.CancellationToken);

    public override Task<ListModelsResponse> ListModels(ListModelsRequest request, ServerCallContext context) =>
        Task.FromResult(catalog.List());

    public override Task<Model> GetModel(GetModelRequest request, ServerCallContext context) =>
        Task.FromResult(catalog.Get(request));

    public override Task<TokenizeResponse> Tokenize(TokenizeRequest request, ServerCallContext context) =>
        Task.FromResult(catalog.Tokenize(request));

    public override Task<DetokenizeResponse> Detokenize(DetokenizeRequest request, ServerCallContext context) =>
        Task.FromResult(catalog.Detokenize(request));
}
