using Inference.Engine.Models;
using Inference.Engine.Onnx;

namespace Inference.Engine.Decoding;

/// <summary>
/// Creates decoder backends for execution providers that live outside this assembly (the ILGPU backend in
/// Inference.Engine.Cuda), so that the engine itself carries no GPU packages.
/// </summary>
internal interface IDecoderBackendFactory
{
    /// <summary>Whether this factory serves <paramref name="provider"/>.</summary>
    bool Serves(ExecutionProvider provider);

    /// <summary>Loads the decoder of the model folder; failures are <see cref="ModelLoadException"/>s that say
    /// what is wrong and what is supported.</summary>
    IDecoderBackend Create(GenAiConfig config, ModelDefinition definition);
}
