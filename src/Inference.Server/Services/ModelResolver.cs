using Inference.Engine;
using Inference.Server.Errors;

namespace Inference.Server.Services;

/// <summary>Finds the model a request names, with the error model's answers for a missing or wrong-kind model.</summary>
internal sealed class ModelResolver(IModelRegistry registry)
{
    public IModelRegistry Registry => registry;

    public IChatModel Chat(string model)
    {
        if (registry.TryGetChatModel(model, out var chat))
        {
            return chat;
        }

        throw new ApiException(registry.TryGetInfo(model, out _)
            ? ApiError.InvalidParam("model", $"The model '{model}' is an embedding model; it cannot generate text.")
            : ApiError.ModelNotFound(model));
    }

    public IEmbeddingModel Embedding(string model)
    {
        if (registry.TryGetEmbeddingModel(model, out var embedding))
        {
            return embedding;
        }

        throw new ApiException(registry.TryGetInfo(model, out _)
            ? ApiError.InvalidParam("model", $"The model '{model}' does not produce embeddings.")
            : ApiError.ModelNotFound(model));
    }

    public ModelInfo Info(string model) =>
        registry.TryGetInfo(model, out var info) ? info : throw new ApiException(ApiError.ModelNotFound(model));
}
