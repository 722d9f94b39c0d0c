using Inference.Engine;
using Inference.Engine.Models;
using Inference.Engine.Onnx;

namespace Inference.Server.Models;

/// <summary>
/// Builds the engine's registry from <see cref="ModelsOptions"/>. This is the one place the server meets the
/// engine's concrete types.
/// </summary>
internal static class ModelRegistryFactory
{
    public static IModelRegistry Create(ModelsOptions options, TimeProvider clock) =>
        ModelRegistry.Load(options.Models.Select(m => new ModelDefinition
        {
            Id = m.Id,
            Path = m.Path,
            Aliases = [.. m.Aliases],
            Kind = string.IsNullOrEmpty(m.Kind) ? null : Enum.Parse<ModelKind>(m.Kind, ignoreCase: true),
            ExecutionProvider = Enum.Parse<ExecutionProvider>(m.ExecutionProvider, ignoreCase: true),
            IntraOpThreads = m.IntraOpThreads,
            OwnedBy = m.OwnedBy,
            Scheduler = m.Scheduler,
            Synthetic = m.Synthetic,
        }), clock);
}
