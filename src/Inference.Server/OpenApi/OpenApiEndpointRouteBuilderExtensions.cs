using Inference.Contracts;
using Inference.Server.OpenApi;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.OpenApi;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Serves the OpenAPI description of the REST face.</summary>
public static class OpenApiEndpointRouteBuilderExtensions
{
    /// <summary>The path the description is served at.</summary>
    public const string DocumentPath = "/openapi.json";

    /// <summary>Maps <c>GET /openapi.json</c>: built from the contract's descriptors on first request, then served
    /// from memory (it cannot change while the process runs). Never behind an API key: it describes how to get one
    /// accepted.</summary>
    public static IEndpointConventionBuilder MapInferenceOpenApi(this IEndpointRouteBuilder endpoints)
    {
        var json = new Lazy<byte[]>(() =>
        {
            var document = OpenApiDocumentFactory.Create(ContractDescriptors.Files, new ProtoComments(ContractDescriptors.LoadDocumented()));
            using var text = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
            document.SerializeAsV31(new OpenApiJsonWriter(text));
            return System.Text.Encoding.UTF8.GetBytes(text.ToString());
        });
        return endpoints.MapGet(DocumentPath, (HttpContext context) =>
            {
                context.Response.Headers.CacheControl = "no-cache";
                return Results.Bytes(json.Value, "application/json; charset=utf-8");
            })
            .AllowAnonymous()
            .RequireInferenceCors()
            .ExcludeFromDescription();
    }
}
