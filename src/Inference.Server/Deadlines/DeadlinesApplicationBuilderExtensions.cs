using Inference.Server.Deadlines;

// Extension methods live where the host looks for them, as ASP.NET Core's own do.
namespace Microsoft.AspNetCore.Builder;

/// <summary>The REST request bound's middleware.</summary>
public static class DeadlinesApplicationBuilderExtensions
{
    /// <summary>Cancels REST requests that outlive <see cref="DeadlineOptions.RestRequestTimeout"/>. Put it after
    /// the error layer (which writes its 504) and before the SSE adapter (which must see the bounded token).</summary>
    public static IApplicationBuilder UseRestRequestTimeout(this IApplicationBuilder app) =>
        app.UseMiddleware<RestRequestTimeoutMiddleware>();
}
