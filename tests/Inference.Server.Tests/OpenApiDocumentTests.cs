using System.Net;
using System.Text;
using System.Text.Json;
using Google.Api;
using Inference.Contracts;
using Inference.Server.Tests.Support;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;

namespace Inference.Server.Tests;

/// <summary>
/// <c>/openapi.json</c> from the real server, read back with Microsoft.OpenApi: every REST route of the contract is
/// there with its request and response schemas, the streamed variant, the error body and the security schemes, and
/// the schemas describe what the server really sends.
/// </summary>
public sealed class OpenApiDocumentTests : ServerFixture
{
    // What the contract serves today. The routes are also derived from the descriptors below; this list keeps the
    // test honest if both the document and the derivation lost a route.
    private static readonly string[] KnownRoutes =
    [
        "DELETE /v1/admin/keys/{id}",
        "GET /v1/admin/keys",
        "GET /v1/models",
        "GET /v1/models/{model}",
        "POST /v1/admin/keys",
        "POST /v1/chat/completions",
        "POST /v1/completions",
        "POST /v1/detokenize",
        "POST /v1/embeddings",
        "POST /v1/tokenize",
    ];

    private static readonly string[] StreamingRoutes = ["POST /v1/chat/completions", "POST /v1/completions"];

    private HttpClient _http = null!;
    private OpenApiDocument _document = null!;
    private OpenApiDiagnostic _diagnostic = null!;

    [OneTimeSetUp]
    public async Task ReadDocument()
    {
        _http = CreateHttpClient();
        using var response = await _http.GetAsync("/openapi.json").DefaultTimeout();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/json"));
        var json = await response.Content.ReadAsStringAsync().DefaultTimeout();
        var result = OpenApiDocument.Parse(json, OpenApiConstants.Json);
        _document = result.Document ?? throw new AssertionException("/openapi.json did not parse: " + json[..Math.Min(json.Length, 500)]);
        _diagnostic = result.Diagnostic ?? new OpenApiDiagnostic();
    }

    [OneTimeTearDown]
    public void DisposeClient() => _http.Dispose();

    [Test]
    public void Document_IsValidOpenApi31()
    {
        Assert.That(_diagnostic.Errors, Is.Empty, string.Join("\n", _diagnostic.Errors.Select(e => $"{e.Pointer}: {e.Message}")));
        Assert.That(_diagnostic.SpecificationVersion, Is.EqualTo(OpenApiSpecVersion.OpenApi3_1));
        Assert.That(_document.Info.Title, Is.Not.Empty);
    }

    [Test]
    public void EveryHttpRuleOfTheContract_IsAnOperation()
    {
        var fromContract = ContractDescriptors.Files
            .SelectMany(f => f.Services).SelectMany(s => s.Methods)
            .Select(m => m.GetOptions()?.GetExtension(AnnotationsExtensions.Http))
            .OfType<HttpRule>()
            .Select(r => r.PatternCase == HttpRule.PatternOneofCase.Get ? $"GET {r.Get}" : $"{r.PatternCase.ToString().ToUpperInvariant()} {Path(r)}")
            .Order(StringComparer.Ordinal)
            .ToArray();
        Assert.That(fromContract, Is.EqualTo(KnownRoutes), "the contract's http rules changed: update KnownRoutes");
        Assert.That(Operations().Select(o => o.Route).Order(StringComparer.Ordinal), Is.EqualTo(KnownRoutes));
    }

    [Test]
    public void EveryOperation_HasRequestAndResponseSchemas()
    {
        foreach (var (route, operation) in Operations())
        {
            var success = operation.Responses!["200"].Content!["application/json"].Schema;
            Assert.That(success?.Properties, Is.Not.Null.And.Not.Empty, $"{route}: 200 schema");
            if (route.StartsWith("POST ", StringComparison.Ordinal))
            {
                var request = operation.RequestBody?.Content?["application/json"].Schema;
                Assert.That(request?.Properties, Is.Not.Null.And.Not.Empty, $"{route}: request schema");
                // Inference requests name a model; the admin API's create request names the key instead.
                var identifying = route.Contains("/admin/", StringComparison.Ordinal) ? "name" : "model";
                Assert.That(request!.Properties!.Keys, Does.Contain(identifying), $"{route}: request schema");
            }
        }

        var revoke = Operation("DELETE /v1/admin/keys/{id}");
        Assert.That(revoke.Parameters!.Select(p => (p.Name, p.In, p.Required)), Is.EqualTo(new[] { ("id", (ParameterLocation?)ParameterLocation.Path, true) }));
        var getModel = Operation("GET /v1/models/{model}");
        Assert.That(getModel.Parameters!.Select(p => (p.Name, p.In, p.Required)), Is.EqualTo(new[] { ("model", (ParameterLocation?)ParameterLocation.Path, true) }));
    }

    [Test]
    public void RequestSchemas_UseTheWireNames()
    {
        var chat = Operation("POST /v1/chat/completions").RequestBody!.Content!["application/json"].Schema!.Properties!;
        Assert.That(chat.Keys, Is.SupersetOf(new[] { "messages", "max_tokens", "max_completion_tokens", "top_p", "stream", "stream_options", "response_format" }));
        Assert.That(chat.Keys, Has.None.EqualTo("maxTokens").And.None.EqualTo("streamOptions"));
        Assert.That(chat["stream_options"].Properties!.Keys, Is.EqualTo(new[] { "include_usage" }));
        Assert.That(chat["max_tokens"].Type, Is.EqualTo(JsonSchemaType.Integer));
        Assert.That(chat["messages"].Type, Is.EqualTo(JsonSchemaType.Array));
        Assert.That(chat["messages"].Description, Is.Not.Empty, "proto comments should become descriptions");
    }

    [Test]
    public void StreamingRoutes_DescribeServerSentEvents()
    {
        foreach (var (route, operation) in Operations())
        {
            var content = operation.Responses!["200"].Content!;
            if (!StreamingRoutes.Contains(route))
            {
                Assert.That(content.Keys, Is.EqualTo(new[] { "application/json" }), route);
                continue;
            }

            Assert.That(content.Keys, Is.EquivalentTo(new[] { "application/json", "text/event-stream" }), route);
            Assert.That(operation.Responses["200"].Description, Does.Contain("data: [DONE]"), route);
        }

        var chunk = Operation("POST /v1/chat/completions").Responses!["200"].Content!["text/event-stream"].Schema!;
        Assert.That(chunk.Properties!["choices"].Items!.Properties!.Keys, Does.Contain("delta"));
    }

    [Test]
    public void ErrorResponses_AreTheOpenAiErrorBody()
    {
        foreach (var (route, operation) in Operations())
        {
            foreach (var status in new[] { "400", "401", "404", "429", "500", "503" })
            {
                Assert.That(operation.Responses!.TryGetValue(status, out var response), Is.True, $"{route}: no {status}");
                var error = response!.Content!["application/json"].Schema!.Properties!["error"];
                Assert.That(error.Properties!.Keys, Is.EquivalentTo(new[] { "message", "type", "param", "code" }), $"{route} {status}");
            }
        }

        Assert.That(Operation("POST /v1/chat/completions").Responses!["503"].Headers!.Keys, Does.Contain("Retry-After"));
    }

    [Test]
    public void SecuritySchemes_AreBearerAndTheApiKeyHeader()
    {
        var schemes = _document.Components!.SecuritySchemes!;
        Assert.That(schemes.Values.Select(s => (s.Type, s.Scheme, s.In, s.Name)), Is.EquivalentTo(new[]
        {
            ((SecuritySchemeType?)SecuritySchemeType.Http, "bearer", (ParameterLocation?)null, (string?)null),
            (SecuritySchemeType.ApiKey, null, ParameterLocation.Header, "X-API-Key"),
        }));
        Assert.That(_document.Security, Has.Count.EqualTo(3), "bearer, X-API-Key, or none while keys are off");
    }

    [Test]
    public async Task ChatCompletionSchema_DescribesEveryKeyTheServerReturns()
    {
        using var response = await Post("/v1/chat/completions",
            """{"model":"tiny-chat","temperature":0,"max_tokens":8,"logprobs":true,"top_logprobs":2,"messages":[{"role":"user","content":"What is 23 + 19?"}]}""");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync().DefaultTimeout());
        AssertDescribes(SuccessSchema("POST /v1/chat/completions"), body.RootElement);
        // The walk must have reached the nested objects, or it proves nothing.
        Assert.That(body.RootElement.GetProperty("choices")[0].GetProperty("logprobs").GetProperty("content").GetArrayLength(), Is.GreaterThan(0));
    }

    [Test]
    public async Task ChunkSchema_DescribesEveryStreamedEvent()
    {
        using var response = await Post("/v1/chat/completions",
            """{"model":"tiny-chat","temperature":0,"max_tokens":8,"stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"Hi!"}]}""");
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/event-stream"));
        var events = (await response.Content.ReadAsStringAsync().DefaultTimeout())
            .Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(e => e["data: ".Length..])
            .ToList();
        Assert.That(events[^1], Is.EqualTo("[DONE]"));
        var schema = Operation("POST /v1/chat/completions").Responses!["200"].Content!["text/event-stream"].Schema!;
        foreach (var data in events[..^1])
        {
            using var chunk = JsonDocument.Parse(data);
            AssertDescribes(schema, chunk.RootElement);
        }
    }

    [TestCase("GET", "/v1/models", null)]
    [TestCase("GET", "/v1/models/tiny-chat", null)]
    [TestCase("POST", "/v1/completions", """{"model":"tiny-chat","prompt":"The capital of France is","max_tokens":4,"temperature":0}""")]
    [TestCase("POST", "/v1/embeddings", """{"model":"tiny-embed","input":"The sea is blue."}""")]
    [TestCase("POST", "/v1/tokenize", """{"model":"tiny-chat","prompt":"Hello"}""")]
    [TestCase("POST", "/v1/detokenize", """{"model":"tiny-chat","tokens":[614,3]}""")]
    [TestCase("POST", "/v1/admin/keys", """{"name":"openapi-schema-check","allowed_models":["tiny-chat"],"requests_per_minute":600}""")]
    [TestCase("GET", "/v1/admin/keys", null)]
    public async Task ResponseSchemas_DescribeEveryKeyTheServerReturns(string verb, string path, string? json)
    {
        using var response = json is null ? await _http.GetAsync(path).DefaultTimeout() : await Post(path, json);
        var text = await response.Content.ReadAsStringAsync().DefaultTimeout();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
        var route = verb + " " + (path.StartsWith("/v1/models/", StringComparison.Ordinal) ? "/v1/models/{model}" : path);
        using var body = JsonDocument.Parse(text);
        AssertDescribes(SuccessSchema(route), body.RootElement);
    }

    [Test]
    public async Task ErrorSchema_DescribesARealError()
    {
        using var response = await Post("/v1/chat/completions", """{"model":"no-such-model","messages":[{"role":"user","content":"Hi"}]}""");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync().DefaultTimeout());
        var schema = Operation("POST /v1/chat/completions").Responses!["404"].Content!["application/json"].Schema!;
        AssertDescribes(schema, body.RootElement);
        var error = body.RootElement.GetProperty("error");
        Assert.That(error.EnumerateObject().Select(p => p.Name), Is.EquivalentTo(schema.Properties!["error"].Required!));
    }

    private static string Path(HttpRule rule) => rule.PatternCase switch
    {
        HttpRule.PatternOneofCase.Post => rule.Post,
        HttpRule.PatternOneofCase.Put => rule.Put,
        HttpRule.PatternOneofCase.Delete => rule.Delete,
        HttpRule.PatternOneofCase.Patch => rule.Patch,
        _ => rule.Custom.Path,
    };

    private IEnumerable<(string Route, OpenApiOperation Operation)> Operations() =>
        _document.Paths.SelectMany(p => p.Value.Operations!.Select(o => ($"{o.Key.Method.ToUpperInvariant()} {p.Key}", o.Value)));

    private OpenApiOperation Operation(string route) =>
        Operations().SingleOrDefault(o => o.Route == route).Operation ?? throw new AssertionException($"{route} is not in /openapi.json");

    private IOpenApiSchema SuccessSchema(string route) => Operation(route).Responses!["200"].Content!["application/json"].Schema!;

    private Task<HttpResponseMessage> Post(string path, string json) =>
        _http.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json")).DefaultTimeout();

    /// <summary>Every member of <paramref name="json"/>, at every depth, is a property of the schema with a matching
    /// JSON type; a schema without a type (protobuf's Value: any JSON) accepts anything below it.</summary>
    private static void AssertDescribes(IOpenApiSchema schema, JsonElement json, string at = "$")
    {
        if (schema.Type is not { } type)
        {
            return;
        }

        var expected = json.ValueKind switch
        {
            JsonValueKind.Object => JsonSchemaType.Object,
            JsonValueKind.Array => JsonSchemaType.Array,
            JsonValueKind.String => JsonSchemaType.String,
            JsonValueKind.Number => json.TryGetInt64(out _) ? JsonSchemaType.Integer | JsonSchemaType.Number : JsonSchemaType.Number,
            JsonValueKind.True or JsonValueKind.False => JsonSchemaType.Boolean,
            _ => JsonSchemaType.Null,
        };
        Assert.That(type & expected, Is.Not.EqualTo((JsonSchemaType)0), $"{at}: the schema says {type}, the server sent {json.ValueKind}");
        if (json.ValueKind == JsonValueKind.Object)
        {
            foreach (var member in json.EnumerateObject())
            {
                IOpenApiSchema? property = null;
                if (schema.Properties?.TryGetValue(member.Name, out property) != true)
                {
                    property = schema.AdditionalProperties;
                }

                Assert.That(property, Is.Not.Null, $"{at}.{member.Name} is sent but not described (described: {string.Join(", ", schema.Properties?.Keys ?? [])})");
                AssertDescribes(property!, member.Value, $"{at}.{member.Name}");
            }
        }
        else if (json.ValueKind == JsonValueKind.Array && schema.Items is { } items)
        {
            var index = 0;
            foreach (var item in json.EnumerateArray())
            {
                AssertDescribes(items, item, $"{at}[{index++}]");
            }
        }
    }
}
