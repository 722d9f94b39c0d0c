using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

// Extension methods live where the host looks for them, as ASP.NET Core's own do.
namespace Microsoft.AspNetCore.Builder;

/// <summary>The CORS middleware, for the requests it has something to do with.</summary>
public static class CorsApplicationBuilderExtensions
{
    /// <summary>
    /// ASP.NET Core's CORS middleware for requests that carry an <c>Origin</c> header: browsers' cross-origin calls and
    /// every preflight. A request without one gets no CORS headers from it either way, yet the middleware would still
    /// allocate the request's item dictionary to note that it ran; most calls are native gRPC and server-to-server
    /// REST, which never send an Origin. Skipping it for them is why the endpoints' CORS metadata check is off
    /// (<c>RouteOptions.SuppressCheckForUnhandledSecurityMetadata</c>, set by <c>AddInferenceCors</c>): that check
    /// only asks whether the middleware ran.
    /// </summary>
    public static IApplicationBuilder UseInferenceCors(this IApplicationBuilder app) =>
        app.UseWhen(static context => context.Request.Headers.ContainsKey(HeaderNames.Origin), static branch => branch.UseCors());
}
