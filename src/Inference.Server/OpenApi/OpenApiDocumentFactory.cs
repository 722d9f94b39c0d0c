using System.Net.Http;
using System.Reflection;
using System.Text.Json.Nodes;
using Google.Protobuf.Reflection;
using Inference.Server.Errors;
using Microsoft.OpenApi;

namespace Inference.Server.OpenApi;

/// <summary>
/// Builds the OpenAPI 3.1 description of the REST face from the contract alone: the routes are the
/// <c>google.api.http</c> rules (<see cref="HttpRoutes"/>), the schemas the messages (<see cref="MessageSchemas"/>),
/// the descriptions the proto comments. On top: the server-sent events variant of the routes whose RPC has a
/// streaming twin, the OpenAI error body on every 4xx/5xx (from the one error model, <see cref="ErrorCodes"/>), and
/// the two ways to present an API key.
/// </summary>
internal static class OpenApiDocumentFactory
{
    public const string BearerScheme = "bearerAuth";
    public const string ApiKeyScheme = "apiKeyAuth";
    public const string ErrorSchema = "ErrorResponse";

    public static OpenApiDocument Create(IReadOnlyList<FileDescriptor> files, ProtoComments comments)
    {
        var document = new OpenApiDocument
        {
            Info = new OpenApiInfo
            {
                Title = "Inference REST API",
                Version = Version(),
                Description = """
                    The OpenAI-compatible REST face of the Inference service, generated from its protobuf contract
                    (`protos/inference/v1`). The same operations are served over gRPC and gRPC-Web by the RPC each
                    route names. Errors always have OpenAI's shape, `{"error": {"message", "type", "param", "code"}}`.
                    When the server requires API keys, send one as `Authorization: Bearer <key>` or `X-API-Key: <key>`.
                    """,
            },
            Paths = [],
            Components = new OpenApiComponents(),
            Tags = new HashSet<OpenApiTag>(),
        };
        var schemas = new MessageSchemas(document, comments);
        var errors = ErrorResponses(document);
        foreach (var route in HttpRoutes.Discover(files))
        {
            if (!document.Paths.TryGetValue(route.Path, out var item))
            {
                item = new OpenApiPathItem();
                document.Paths.Add(route.Path, item);
            }

            var service = route.Method.Service;
            if (!document.Tags.Any(t => t.Name == service.Name))
            {
                document.Tags.Add(new OpenApiTag { Name = service.Name, Description = comments.Of(service) });
            }

            ((OpenApiPathItem)item).AddOperation(HttpMethod.Parse(route.Verb), Operation(document, route, schemas, comments, errors.Keys));
        }

        schemas.Components[ErrorSchema] = ErrorBody();
        document.Components.Schemas = schemas.Components;
        document.Components.Responses = errors.ToDictionary(e => e.Key, e => (IOpenApiResponse)e.Value);
        document.Components.SecuritySchemes = new Dictionary<string, IOpenApiSecurityScheme>
        {
            [BearerScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "An API key as a bearer token: `Authorization: Bearer <key>` (what the OpenAI SDKs send).",
            },
            [ApiKeyScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Header,
                Name = "X-API-Key",
                Description = "An API key in the `X-API-Key` header.",
            },
        };
        // Either scheme, or none: keys are only required when the server is configured to require them.
        document.Security =
        [
            new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, document)] = [] },
            new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeyScheme, document)] = [] },
            new OpenApiSecurityRequirement(),
        ];
        document.RegisterComponents();
        return document;
    }

    private static OpenApiOperation Operation(
        OpenApiDocument document, HttpRoute route, MessageSchemas schemas, ProtoComments comments, IEnumerable<string> errorStatuses)
    {
        var method = route.Method;
        var description = comments.Of(method);
        var summary = FirstSentence(description) ?? method.Name;
        var operation = new OpenApiOperation
        {
            OperationId = method.Name,
            Summary = summary,
            // A one-sentence comment is all summary; repeating it below adds nothing.
            Description = description?.TrimEnd('.') == summary ? null : description,
            Tags = new HashSet<OpenApiTagReference> { new(method.Service.Name, document) },
            Parameters = Parameters(route, schemas),
            Responses = new OpenApiResponses { ["200"] = Success(route, schemas) },
        };
        if (route.Body.Length > 0)
        {
            var body = route.Body == "*"
                ? route.PathFields.Count == 0 ? schemas.Reference(method.InputType) : schemas.Without(method.InputType, route.PathFields)
                : schemas.Field(method.InputType.FindFieldByName(route.Body));
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = body } },
            };
        }

        foreach (var status in errorStatuses)
        {
            operation.Responses[status] = new OpenApiResponseReference(status, document);
        }

        return operation;
    }

    /// <summary>Path variables, and for a route without a whole-message body the remaining scalar fields as query
    /// parameters (transcoding binds those from the query string).</summary>
    private static List<IOpenApiParameter> Parameters(HttpRoute route, MessageSchemas schemas)
    {
        var input = route.Method.InputType;
        var parameters = new List<IOpenApiParameter>();
        foreach (var name in route.PathFields)
        {
            var field = input.FindFieldByName(name);
            parameters.Add(new OpenApiParameter
            {
                Name = name,
                In = ParameterLocation.Path,
                Required = true,
                Schema = field is null ? new OpenApiSchema { Type = JsonSchemaType.String } : schemas.Field(field),
            });
        }

        if (route.Body == "*")
        {
            return parameters;
        }

        foreach (var field in input.Fields.InFieldNumberOrder())
        {
            var bound = route.PathFields.Contains(field.Name) || field.Name == route.Body;
            if (!bound && !field.IsMap && field.FieldType != FieldType.Message && field.FieldType != FieldType.Group)
            {
                parameters.Add(new OpenApiParameter { Name = field.JsonName, In = ParameterLocation.Query, Schema = schemas.Field(field) });
            }
        }

        return parameters;
    }

    private static OpenApiResponse Success(HttpRoute route, MessageSchemas schemas)
    {
        var output = route.Method.OutputType;
        var schema = route.ResponseBody.Length == 0 ? schemas.Reference(output) : schemas.Field(output.FindFieldByName(route.ResponseBody));
        var response = new OpenApiResponse
        {
            Description = $"The {output.Name} as JSON.",
            Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = schema } },
        };
        if (route.Stream is { } stream)
        {
            var chunk = stream.OutputType;
            // The text/event-stream schema is each event's data, the convention OpenAI's own description follows.
            response.Description =
                $"""
                Without `"stream": true`: the {output.Name} as JSON. With `"stream": true`: server-sent events
                (`text/event-stream`), one `data: <{chunk.Name} JSON>` event per chunk, then `data: [DONE]`; the
                `text/event-stream` schema below describes each event's data. An error after the stream started
                arrives as one more event whose data is an error body ({ErrorSchema}), then the stream ends.
                """;
            response.Content["text/event-stream"] = new OpenApiMediaType
            {
                Schema = schemas.Reference(chunk),
                Example = JsonValue.Create($"data: {{...{chunk.Name}...}}\n\ndata: {{...{chunk.Name}...}}\n\ndata: [DONE]\n\n"),
            };
        }

        return response;
    }

    /// <summary>One response per HTTP status the error model maps to, listing the OpenAI error types and default
    /// codes behind it; every operation refers to them.</summary>
    private static SortedDictionary<string, OpenApiResponse> ErrorResponses(OpenApiDocument document)
    {
        var responses = new SortedDictionary<string, OpenApiResponse>(StringComparer.Ordinal);
        // A cancelled request has no one left to read its answer.
        foreach (var group in Enum.GetValues<ErrorKind>().Where(k => k != ErrorKind.Cancelled).GroupBy(ErrorCodes.HttpStatusOf))
        {
            var kinds = string.Join("; ", group.Select(k =>
                $"`{ErrorCodes.TypeOf(k)}` / `{ErrorCodes.CodeOf(new ApiError(k, string.Empty))}`"));
            var response = new OpenApiResponse
            {
                Description = $"An OpenAI error body. error.type / default error.code: {kinds}.",
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/json"] = new() { Schema = new OpenApiSchemaReference(ErrorSchema, document) },
                },
            };
            if (group.Any(k => k is ErrorKind.Overloaded or ErrorKind.RateLimited))
            {
                response.Headers = new Dictionary<string, IOpenApiHeader>
                {
                    ["Retry-After"] = new OpenApiHeader
                    {
                        Description = "Seconds to wait before retrying.",
                        Schema = new OpenApiSchema { Type = JsonSchemaType.Integer },
                    },
                };
            }

            responses[group.Key.ToString(System.Globalization.CultureInfo.InvariantCulture)] = response;
        }

        return responses;
    }

    /// <summary>OpenAI's error body, as <see cref="Rest.OpenAiErrorWriter"/> writes it.</summary>
    private static OpenApiSchema ErrorBody() => new()
    {
        Type = JsonSchemaType.Object,
        Description = "Every error on the REST face.",
        Required = new HashSet<string> { "error" },
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["error"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Required = new HashSet<string> { "message", "type", "param", "code" },
                Properties = new Dictionary<string, IOpenApiSchema>
                {
                    ["message"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "What went wrong, for people." },
                    ["type"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The OpenAI error type, such as `invalid_request_error`." },
                    ["param"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null, Description = "The request parameter at fault, when one is." },
                    ["code"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null, Description = "A machine-readable reason, such as `model_not_found`." },
                },
            },
        },
    };

    private static string? FirstSentence(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        var end = text.IndexOf(". ", StringComparison.Ordinal);
        return (end < 0 ? text : text[..end]).TrimEnd('.');
    }

    private static string Version()
    {
        var version = typeof(OpenApiDocumentFactory).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        // The build appends +<commit>; the API version is the part before it.
        return version?.Split('+')[0] ?? "1.0.0";
    }
}
