using Inference.Engine;

namespace Inference.Server.Models;

/// <summary>
/// Builds the engine's registry from <see cref="ModelsOptions"/>. This is the one place the server meets the
/// engine's concrete types.
/// </summary>
internal static class ModelRegistryFactory
{
    public static IModelRegistry Create(ModelsOptions options, TimeProvider clock)
    {
        _ = options;
        _ = clock;
        // The engine's ModelRegistry (Inference.Engine.Models.ModelRegistry.Load) is being merged from the engine
        // branch. When it lands, this body becomes:
        //   return ModelRegistry.Load(options.Models.Select(m => new ModelDefinition
        //   {
        //       Id = m.Id, Path = m.Path, Aliases = [.. m.Aliases],
        //       Kind = m.Kind is null ? null : Enum.Parse<ModelKind>(m.Kind, ignoreCase: true),
        //   }), clock);
        throw new ModelLoadException(
            "This build has no engine registry yet: the ONNX engine is not merged into this branch. "
            + "Register an IModelRegistry in DI (services.AddSingleton<IModelRegistry>(...)) before AddInferenceModels.");
    }
}
