using Microsoft.AspNetCore.Http;

namespace Inference.Server.Web;

/// <summary>
/// Cache headers for the pages and their assets. The build names the playground's bundles after their content
/// (<c>/assets/app-3F2K9Q.js</c>) and the reference's after the Swagger UI version, so anything under
/// <c>/assets/</c> never changes and may be cached for good; the pages that name them must be revalidated on every
/// load (their ETag makes that a 304), so a rebuilt playground is picked up at once.
/// </summary>
internal static class WebCachePolicy
{
    public const string AssetsPrefix = "/assets";

    public static void Apply(HttpContext context)
    {
        context.Response.Headers.CacheControl = context.Request.Path.StartsWithSegments(AssetsPrefix, StringComparison.Ordinal)
            ? "public, max-age=31536000, immutable"
            : "no-cache";
    }
}
