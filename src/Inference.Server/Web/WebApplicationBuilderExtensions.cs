using Inference.Server.Web;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.AspNetCore.Builder;

/// <summary>The playground at <c>/</c>, the API reference at <c>/docs</c>, and their assets.</summary>
public static class WebApplicationBuilderExtensions
{
    /// <summary>Serves the built assets (scripts, styles, Swagger UI). Put it after routing: a request that matched
    /// an endpoint (gRPC, REST, /metrics) never reaches the files, so no file can shadow a route.</summary>
    public static IApplicationBuilder UseInferenceWebAssets(this IApplicationBuilder app)
    {
        var assets = app.ApplicationServices.GetRequiredService<WebAssets>();
        return app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = assets.Files,
            OnPrepareResponse = file => WebCachePolicy.Apply(file.Context),
        });
    }

    /// <summary>Maps <c>/</c> and <c>/docs</c>. They are never behind an API key: the playground is where a user types
    /// one, and the reference describes how to send one.</summary>
    public static IEndpointRouteBuilder MapInferenceWeb(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/", (HttpContext context, WebAssets assets) => WebPages.Serve(context, assets, WebPages.Playground))
            .AllowAnonymous().ExcludeFromDescription();
        endpoints.MapGet("/docs", (HttpContext context, WebAssets assets) => WebPages.Serve(context, assets, WebPages.Reference))
            .AllowAnonymous().ExcludeFromDescription();
        return endpoints;
    }
}
