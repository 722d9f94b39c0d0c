using Grpc.Core;
using Inference.Contracts.V1;
using Inference.Server.Auth;

namespace Inference.Server.Services;

/// <summary>
/// The one implementation of the contract, behind every face: gRPC, gRPC-Web and transcoded REST call it, and the
/// SSE adapter enumerates the same handlers its streaming RPCs do. Errors leave as exceptions and become statuses in
/// <see cref="CallInterceptor"/>, which also checked the caller's key before the call; the handlers check its models
/// and admit the request against its limits once they know the token cost.
/// </summary>
internal sealed class InferenceGrpcService(
    ChatCompletionHandler chat,
    TextCompletionHandler text,
    EmbeddingsHandler embeddings,
    ModelCatalogHandler catalog) : InferenceService.InferenceServiceBase
{
    public override Task<CompleteResponse> Complete(CompleteRequest request, ServerCallContext context) =>
        text.CompleteAsync(request, CallerAccess.Of(context), context.CancellationToken);

    public override async Task StreamComplete(
        CompleteRequest request, IServerStreamWriter<CompleteResponse> responseStream, ServerCallContext context)
    {
        await foreach (var chunk in text.StreamAsync(request, CallerAccess.Of(context), context.CancellationToken).ConfigureAwait(false))
        {
            await responseStream.WriteAsync(chunk, context.CancellationToken).ConfigureAwait(false);
        }
    }

    public override Task<ChatCompleteResponse> ChatComplete(ChatCompleteRequest request, ServerCallContext context) =>
        chat.CompleteAsync(request, CallerAccess.Of(context), context.CancellationToken);

    public override async Task StreamChatComplete(
        ChatCompleteRequest request, IServerStreamWriter<ChatCompletionChunk> responseStream, ServerCallContext context)
    {
        await foreach (var chunk in chat.StreamAsync(request, CallerAccess.Of(context), context.CancellationToken).ConfigureAwait(false))
        {
            await responseStream.WriteAsync(chunk, context.CancellationToken).ConfigureAwait(false);
        }
    }

    public override Task<GetEmbeddingsResponse> GetEmbeddings(GetEmbeddingsRequest request, ServerCallContext context) =>
        embeddings.EmbedAsync(request, CallerAccess.Of(context), context.CancellationToken);

    // The calls below cost no tokens and little time: each is answered (checks first), then admitted as one request.
    public override Task<ListModelsResponse> ListModels(ListModelsRequest request, ServerCallContext context) =>
        AdmittedAsync(context, static (c, _, access) => c.List(access), request);

    public override Task<Model> GetModel(GetModelRequest request, ServerCallContext context) =>
        AdmittedAsync(context, static (c, r, access) => c.Get(r, access), request);

    public override Task<TokenizeResponse> Tokenize(TokenizeRequest request, ServerCallContext context) =>
        AdmittedAsync(context, static (c, r, access) => c.Tokenize(r, access), request);

    public override Task<DetokenizeResponse> Detokenize(DetokenizeRequest request, ServerCallContext context) =>
        AdmittedAsync(context, static (c, r, access) => c.Detokenize(r, access), request);

    private async Task<TResponse> AdmittedAsync<TRequest, TResponse>(
        ServerCallContext context, Func<ModelCatalogHandler, TRequest, CallerAccess, TResponse> answer, TRequest request)
    {
        var access = CallerAccess.Of(context);
        var response = answer(catalog, request, access);
        using var lease = await access.AdmitAsync(0, context.CancellationToken).ConfigureAwait(false);
        return response;
    }
}
