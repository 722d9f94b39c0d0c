using System.Diagnostics.CodeAnalysis;

namespace Inference.Engine;

/// <summary>The loaded models, found by id or alias.</summary>
public interface IModelRegistry
{
    /// <summary>Every loaded model.</summary>
    IReadOnlyList<ModelInfo> Models { get; }

    /// <summary>Finds a model's facts by id or alias.</summary>
    bool TryGetInfo(string idOrAlias, [NotNullWhen(true)] out ModelInfo? info);

    /// <summary>Finds a chat model by id or alias.</summary>
    bool TryGetChatModel(string idOrAlias, [NotNullWhen(true)] out IChatModel? model);

    /// <summary>Finds an embedding model by id or alias.</summary>
    bool TryGetEmbeddingModel(string idOrAlias, [NotNullWhen(true)] out IEmbeddingModel? model);
}
