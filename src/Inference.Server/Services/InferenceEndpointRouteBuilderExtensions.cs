using Inference.Server.Admin;
using Inference.Server.Services;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the service on every face.</summary>
public static class InferenceEndpointRouteBuilderExtensions
{
    /// <summary>The inference and admin services (gRPC, gRPC-Web, transcoded REST), reflection, and health on gRPC
    /// (<c>grpc.health.v1</c>) and plain HTTP (<c>/health</c>).</summary>
    public static IEndpointRouteBuilder MapInferenceService(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGrpcService<InferenceGrpcService>().RequireInferenceCors(); // Hosting/: browsers, cross-origin
        endpoints.MapGrpcService<AdminGrpcService>().RequireInferenceCors();     // Admin/: API keys, admin keys only
        endpoints.MapGrpcReflectionService();
        endpoints.MapGrpcHealthChecksService();
        endpoints.MapHealthChecks("/health");
        return endpoints;
    }
}
