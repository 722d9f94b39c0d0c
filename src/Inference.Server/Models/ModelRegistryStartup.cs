using Inference.Engine;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Inference.Server.Models;

/// <summary>Loads the models at start-up rather than on the first request: a model that cannot load stops the
/// process with the engine's message instead of failing requests later.</summary>
internal sealed partial class ModelRegistryStartup(IServiceProvider services, ILogger<ModelRegistryStartup> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var registry = (IModelRegistry)services.GetService(typeof(IModelRegistry))!;
        foreach (var model in registry.Models)
        {
            ModelLoaded(logger, model.Id, model.Kind, model.ContextLength);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(1, LogLevel.Information, "Serving model {ModelId} ({Kind}, context {ContextLength} tokens)")]
    private static partial void ModelLoaded(ILogger logger, string modelId, ModelKind kind, int contextLength);
}
