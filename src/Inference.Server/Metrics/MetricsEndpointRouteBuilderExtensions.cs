using Inference.Server.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

// Extension methods live where the host looks for them, as ASP.NET Core's own do.
namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the Prometheus scrape endpoint.</summary>
public static class MetricsEndpointRouteBuilderExtensions
{
    /// <summary>The path Prometheus scrapes.</summary>
    public const string Path = "/metrics";

    /// <summary>Serves <c>/metrics</c> as Prometheus text on the HTTP/1.1 port only: scrapers speak HTTP/1.1, and
    /// the h2c port stays gRPC's alone.</summary>
    public static IEndpointRouteBuilder MapInferenceMetrics(this IEndpointRouteBuilder endpoints)
    {
        var hosting = endpoints.ServiceProvider.GetRequiredService<IOptions<HostingOptions>>().Value;
        endpoints.MapPrometheusScrapingEndpoint(Path).RequireHost($"*:{hosting.Http.Port}");
        return endpoints;
    }
}
