using Inference.Engine;
using Inference.Engine.Models;
using Inference.Engine.Cuda.Device;
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
            ExecutionProvider = ExecutionProviders[m.ExecutionProvider],
            WeightStorage = WeightStorages[m.WeightStorage],
            IntraOpThreads = m.IntraOpThreads,
            OwnedBy = m.OwnedBy,
            Scheduler = m.Scheduler,
            Synthetic = m.Synthetic,
        }), clock, IlgpuBackendFactory.Instance);

    /// <summary>Configuration values of <see cref="ModelFolderOptions.ExecutionProvider"/>.</summary>
    public static IReadOnlyDictionary<string, ExecutionProvider> ExecutionProviders { get; } = new Dictionary<string, ExecutionProvider>
    {
        ["cpu"] = ExecutionProvider.Cpu,
        ["cuda"] = ExecutionProvider.Cuda,
        ["ilgpu-cpu"] = ExecutionProvider.IlgpuCpu,
    };

    /// <summary>Configuration values of <see cref="ModelFolderOptions.WeightStorage"/>.</summary>
    public static IReadOnlyDictionary<string, WeightStorage> WeightStorages { get; } = new Dictionary<string, WeightStorage>
    {
        ["auto"] = WeightStorage.Auto,
        ["fp32"] = WeightStorage.Float32,
        ["fp16"] = WeightStorage.Float16,
    };
}
