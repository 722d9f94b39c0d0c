using Inference.Engine;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Inference.Server.Models;

/// <summary>Healthy while the registry serves at least one model; reported on grpc.health.v1 and /health.</summary>
internal sealed class ModelsHealthCheck(IModelRegistry registry) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(registry.Models.Count > 0
            ? HealthCheckResult.Healthy($"{registry.Models.Count} models loaded.")
            : HealthCheckResult.Unhealthy("No model is loaded."));
}
