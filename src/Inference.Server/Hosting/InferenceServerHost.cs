using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection;

namespace Inference.Server.Hosting;

/// <summary>The server's composition, one line per concern. <c>Program</c> runs it; tests build the same host
/// with their own configuration and services.</summary>
public static class InferenceServerHost
{
    /// <summary>Registers every part of the server. Services a caller registers before <see cref="Build"/> win:
    /// everything here is registered with TryAdd.</summary>
    public static WebApplicationBuilder CreateBuilder(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        var configuration = builder.Configuration;
        // The lowest-priority source, so appsettings, the environment and the command line all override it.
        configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = DefaultLogLevels });
        builder.Services
            .AddInferenceHosting(configuration)      // Hosting/: Kestrel, HTTP/1.1 + h2c ports
            .AddInferenceCors(configuration)         // Hosting/: which browser origins may call gRPC-Web and REST
            .AddInferenceDeadlines(configuration)    // Deadlines/: REST request bound, shutdown grace period
            .AddInferenceMetrics()                   // Metrics/: OpenTelemetry metrics, Prometheus exporter
            .AddInferenceModels(configuration)       // Models/: the engine's registry and the embedded models
            .AddInferenceValidation(configuration)   // Validation/: FluentValidation rules per request
            .AddInferenceAuth(configuration)         // Auth/: API keys, per-key models, rate limits (Inference:Auth)
            .AddInferenceService()                   // Services/: the one implementation, gRPC, transcoding, reflection, health
            .AddInferenceWeb(configuration);         // Web/: the playground and API reference pages
        return builder;
    }

    /// <summary>
    /// The log levels ASP.NET Core's own templates ship, the framework's per-request lines (request starting and
    /// finished, endpoint executing and executed) only at Warning: at Information they are four console lines for
    /// every request, a large share of a cheap request's server time (see the overhead benchmark), and say nothing
    /// that our own logs and /metrics do not. One step further than the templates: hosting's diagnostics logger is
    /// off. While it is on (at any level) the framework starts an <c>Activity</c> and a log scope for every request only
    /// to put request and trace ids into log scopes, which our logs do not print: about a tenth of a unary gRPC call's
    /// framework time. A tracing listener (OpenTelemetry tracing) still gets its activities; set
    /// <c>Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics=Warning</c> to have the scopes back.
    /// </summary>
    public static IReadOnlyDictionary<string, string?> DefaultLogLevels { get; } = new Dictionary<string, string?>
    {
        ["Logging:LogLevel:Default"] = "Information",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
        ["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = "None",
    };

    /// <summary>Builds the request pipeline. Order matters: errors outermost so they see every layer's failures;
    /// CORS right after routing, so preflights (which carry no credentials) are answered and every answer, server-sent
    /// events included, gets its CORS headers; then the pages' static assets, which need no key. Authentication is not a
    /// middleware: gRPC, gRPC-Web and transcoded REST reach the services through <c>Services/CallInterceptor</c>, and
    /// the SSE adapter asks the same authenticator, so every face checks keys alike while health, reflection,
    /// /metrics, the pages and CORS preflights stay open.</summary>
    public static WebApplication Build(WebApplicationBuilder builder)
    {
        var app = builder.Build();
        app.UseOpenAiErrors();                       // Rest/: every /v1 error as an OpenAI error body
        app.UseRestRequestTimeout();                 // Deadlines/: cancels REST requests past their bound
        app.UseRouting();
        app.UseInferenceCors();                      // Hosting/: answers preflights, per the endpoints' policy
        app.UseInferenceWebAssets();                 // Web/: the pages' scripts and styles (never shadowing a route)
        app.UseServerSentEvents();                   // Rest/: "stream": true as server-sent events
        app.UseGrpcWeb(new GrpcWebOptions { DefaultEnabled = true });
        app.MapInferenceService();                   // Services/: gRPC, gRPC-Web, REST, reflection, health
        app.MapInferenceMetrics();                   // Metrics/: Prometheus /metrics on the HTTP port
        app.MapInferenceOpenApi();                   // OpenApi/: /openapi.json, from the contract
        app.MapInferenceWeb();                       // Web/: the playground at /, the API reference at /docs
        return app;
    }
}
