using Inference.Engine.Scheduling;
using OpenTelemetry.Metrics;

// Registration extensions live in the DI namespace, as grpc-dotnet's do.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the OpenTelemetry metrics pipeline that <c>/metrics</c> exports.</summary>
public static class MetricsServiceCollectionExtensions
{
    /// <summary>
    /// Subscribes to the engine's meter (time to first token, inter-token latency, request duration, tokens,
    /// requests by outcome, batch size, queue depth, active sequences) and to ASP.NET Core's and Kestrel's own
    /// meters (request duration per route, connections), which cost nothing until someone scrapes.
    /// </summary>
    public static IServiceCollection AddInferenceMetrics(this IServiceCollection services)
    {
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(EngineMetrics.MeterName, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel")
            // No scrape cache: a scrape right after a request must see it (tests and operators both expect that),
            // and rendering this handful of instruments is cheap.
            .AddPrometheusExporter(options => options.ScrapeResponseCacheDurationMilliseconds = 0));
        return services;
    }
}
