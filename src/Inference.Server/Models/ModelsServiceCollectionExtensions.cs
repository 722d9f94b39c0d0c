using Inference.Engine;
using Inference.Server.Models;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

// Registration extensions live in the DI namespace, as grpc-dotnet's do.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the model registry.</summary>
public static class ModelsServiceCollectionExtensions
{
    /// <summary>Binds <see cref="ModelsOptions"/> (defaulting to the embedded models) and registers the engine's
    /// registry unless one is registered already (tests register their own).</summary>
    public static IServiceCollection AddInferenceModels(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ModelsOptions>()
            .Bind(configuration.GetSection(ModelsOptions.Section))
            .PostConfigure(options =>
            {
                if (options.Models.Count == 0)
                {
                    options.Models.Add(new ModelFolderOptions { Id = "tiny-chat", Path = "models/tiny-chat", Kind = "chat" });
                    options.Models.Add(new ModelFolderOptions { Id = "tiny-embed", Path = "models/tiny-embed", Kind = "embedding" });
                }

                foreach (var model in options.Models.Where(m => m.Path.Length > 0))
                {
                    model.Path = Path.GetFullPath(model.Path, AppContext.BaseDirectory);
                }
            })
            .Validate(o => o.Models.All(m => m.Id.Length > 0 && (m.Path.Length > 0 || m.Synthetic is not null)),
                "Inference:Models: every model needs an Id and a Path (or a Synthetic section).")
            .Validate(o => o.Models.All(m => m.Kind is null or "" or "chat" or "embedding"), "Inference:Models:*:Kind must be chat or embedding.")
            .Validate(o => o.Models.All(m => ModelRegistryFactory.ExecutionProviders.ContainsKey(m.ExecutionProvider)),
                "Inference:Models:*:ExecutionProvider must be cpu, cuda or ilgpu-cpu.")
            .Validate(o => o.Models.All(m => ModelRegistryFactory.WeightStorages.ContainsKey(m.WeightStorage)),
                "Inference:Models:*:WeightStorage must be auto, fp32 or fp16.")
            .Validate(o => o.Models.All(m => m.Scheduler.MaxBatchSize >= 1 && m.Scheduler.MaxQueuedRequests >= 0 && m.Scheduler.MaxPrefillTokensPerStep >= 1),
                "Inference:Models:*:Scheduler: MaxBatchSize and MaxPrefillTokensPerStep must be at least 1, MaxQueuedRequests at least 0.")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IModelRegistry>(sp =>
            ModelRegistryFactory.Create(sp.GetRequiredService<IOptions<ModelsOptions>>().Value, sp.GetRequiredService<TimeProvider>()));
        services.AddHostedService<ModelRegistryStartup>();
        return services;
    }
}
