using Inference.Server.Rest;

// Extension methods live where the host looks for them, as ASP.NET Core's own do.
namespace Microsoft.AspNetCore.Builder;

/// <summary>The REST face's middleware.</summary>
public static class RestApplicationBuilderExtensions
{
    /// <summary>Makes every error under /v1 an OpenAI error body with the matching HTTP status. Put it first, so
    /// it sees errors from every layer after it (authentication and limits included).</summary>
    public static IApplicationBuilder UseOpenAiErrors(this IApplicationBuilder app) =>
        app.UseMiddleware<OpenAiErrorMiddleware>();

    /// <summary>Serves <c>"stream": true</c> on the completion routes as server-sent events. Put it after routing and
    /// CORS (so a cross-origin stream gets its CORS headers) and before the endpoints.</summary>
    public static IApplicationBuilder UseServerSentEvents(this IApplicationBuilder app) =>
        app.UseMiddleware<ServerSentEventsMiddleware>();
}
