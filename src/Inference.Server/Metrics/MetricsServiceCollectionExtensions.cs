using Inference.Engine.Scheduling;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

// Registration extensions live in the DI namespace, as grpc-dotnet's do.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the OpenTelemetry metrics pipeline that <c>/metrics</c> exports.</summary>
public static class MetricsServiceCollectionExtensions
{
    /// <summary>
    /// Subscribes to the engine's meter (time to first token, inter-token latency, request duration, tokens,
    /// requests by outcome, batch size, queue depth, active sequences) and to ASP.NET Core's and Kestrel's own
    /// meters (request duration per route and status, connections), and to the runtime's (<c>System.Runtime</c>:
    /// process CPU time and memory, garbage collections and bytes allocated, thread pool queue and threads), which
    /// are read only when scraped.
    /// </summary>
    /// <remarks>
    /// A subscribed instrument is recorded on every request whether or not anyone scrapes. Two of the framework's are
    /// dropped for that reason: <c>http.server.active_requests</c> and <c>kestrel.queued_requests</c> are each two
    /// tagged updates per request (with the request duration, most of the metrics' share of a cheap call's server
    /// time in the overhead benchmark's profile), and what they would say about generation, the engine's queue depth
    /// and active sequences say better.
    /// </remarks>
    public static IServiceCollection AddInferenceMetrics(this IServiceCollection services)
    {
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("inference"))
            .WithMetrics(metrics => metrics
                .AddMeter(EngineMetrics.MeterName, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "System.Runtime")
                .AddView("http.server.active_requests", MetricStreamConfiguration.Drop)
                .AddView("kestrel.queued_requests", MetricStreamConfiguration.Drop)
                // No scrape cache: a scrape right after a request must see it (tests and operators both expect that),
                // and rendering this handful of instruments is cheap.
                .AddPrometheusExporter(options => options.ScrapeResponseCacheDurationMilliseconds = 0));
        return services;
    }
}
