using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Inference.Server.Web;

/// <summary>Answers for the two pages, <c>/</c> (the playground) and <c>/docs</c> (the API reference).</summary>
internal static class WebPages
{
    public const string Playground = "index.html";
    public const string Reference = "docs/index.html";

    /// <summary>Both pages load only from this origin: the playground talks gRPC-Web to it and the reference reads
    /// /openapi.json from it. Swagger UI sets inline styles and draws its icons as data: images.</summary>
    private const string ContentSecurityPolicy =
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'self'; base-uri 'self'; form-action 'self'";

    public static IResult Serve(HttpContext context, WebAssets assets, string page)
    {
        if (assets.Page(page) is not { } path)
        {
            return Results.Text(
                $"""
                The web pages are not built: {page} is missing from {assets.Root}.
                Run `make web` in the repository (npm ci + npm run build in src/Inference.Playground), then rebuild and
                restart the server (`make run` does all of it). The API itself is up: /v1/models, /openapi.json, gRPC.
                """,
                "text/plain; charset=utf-8",
                statusCode: StatusCodes.Status404NotFound);
        }

        var file = new FileInfo(path);
        WebCachePolicy.Apply(context);
        context.Response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        context.Response.Headers.XContentTypeOptions = "nosniff";
        var etag = new EntityTagHeaderValue($"\"{file.LastWriteTimeUtc.Ticks:x}-{file.Length:x}\"");
        return Results.File(path, "text/html; charset=utf-8", lastModified: file.LastWriteTimeUtc, entityTag: etag);
    }
}
