using Microsoft.AspNetCore.Builder;
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
        builder.Services
            .AddInferenceHosting(configuration)      // Hosting/: Kestrel, HTTP/1.1 + h2c ports
            .AddInferenceCors(configuration)         // Hosting/: which browser origins may call gRPC-Web
            .AddInferenceDeadlines(configuration)    // Deadlines/: REST request bound, shutdown grace period
            .AddInferenceMetrics()                   // Metrics/: OpenTelemetry metrics, Prometheus exporter
            .AddInferenceModels(configuration)       // Models/: the engine's registry and the embedded models
            .AddInferenceValidation(configuration)   // Validation/: FluentValidation rules per request
            .AddInferenceAuth(configuration)         // Auth/: API keys, per-key models, rate limits (Inference:Auth)
            .AddInferenceService();                  // Services/: the one implementation, gRPC, transcoding, reflection, health
        return builder;
    }

    /// <summary>Builds the request pipeline. Order matters: errors outermost so they see every layer's failures.
    /// Authentication is not a middleware: gRPC, gRPC-Web and transcoded REST reach the services through
    /// <c>Auth/AccessInterceptor</c>, and the SSE adapter asks the same authenticator, so every face checks keys
    /// alike while health, reflection, /metrics and CORS preflights stay open.</summary>
    public static WebApplication Build(WebApplicationBuilder builder)
    {
        var app = builder.Build();
        app.UseOpenAiErrors();                       // Rest/: every /v1 error as an OpenAI error body
        app.UseRestRequestTimeout();                 // Deadlines/: cancels REST requests past their bound
        app.UseServerSentEvents();                   // Rest/: "stream": true as server-sent events
        app.UseRouting();
        app.UseGrpcWeb(new GrpcWebOptions { DefaultEnabled = true });
        app.UseCors();                               // Hosting/: answers preflights, per the endpoints' policy
        app.MapInferenceService();                   // Services/: gRPC, gRPC-Web, REST, reflection, health
        app.MapInferenceMetrics();                   // Metrics/: Prometheus /metrics on the HTTP port
        return app;
    }
}
