using System.Net;
using System.Net.Http.Headers;
using Inference.Server.Hosting;
using Inference.Server.Tests.Support;

namespace Inference.Server.Tests;

/// <summary>The gRPC-Web CORS policy on the wire: what a browser's preflight and actual request get back, with one
/// origin allowed. <see cref="BrowserGrpcWebTests"/> shows a real browser accepting it.</summary>
public sealed class GrpcWebCorsTests : ServerFixture
{
    private const string Allowed = "http://app.example:5173";
    private const string ListModels = "/inference.v1.InferenceService/ListModels";

    // A trailing slash in configuration is forgiven: browsers send origins without one.
    protected override IEnumerable<string> ServerArguments => [$"--Inference:Cors:AllowedOrigins:0={Allowed}/"];

    [Test]
    public async Task Preflight_FromAnAllowedOrigin_IsAccepted()
    {
        using var response = await CorsRequests.Preflight(HttpAddress, ListModels, Allowed);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(response.Headers.GetValues("Access-Control-Allow-Origin"), Is.EqualTo(new[] { Allowed }));
        var allowed = string.Join(",", response.Headers.GetValues("Access-Control-Allow-Headers"));
        Assert.That(allowed, Does.Contain("x-grpc-web"));
        // A page sends its API key in one of these; a preflight that refused them would block every call.
        Assert.That(allowed, Does.Contain("authorization").IgnoreCase.And.Contain("x-api-key").IgnoreCase);
    }

    [Test]
    public async Task Preflight_FromAnotherOrigin_GetsNoCorsHeaders()
    {
        using var response = await CorsRequests.Preflight(HttpAddress, ListModels, "http://elsewhere.example");
        Assert.That(response.Headers.Contains("Access-Control-Allow-Origin"), Is.False);
    }

    [Test]
    public async Task GrpcWebCall_FromAnAllowedOrigin_ExposesTheGrpcHeaders()
    {
        using var http = new HttpClient { Timeout = TimeoutExtensions.Default };
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(HttpAddress, ListModels))
        {
            // One empty, uncompressed message frame: ListModelsRequest has no fields.
            Content = new ByteArrayContent(new byte[5]),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc-web+proto");
        request.Headers.Add("Origin", Allowed);
        request.Headers.Add("X-Grpc-Web", "1");
        request.Headers.Add("X-API-Key", ApiKey);
        using var response = await http.SendAsync(request).DefaultTimeout();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var body = await response.Content.ReadAsByteArrayAsync().DefaultTimeout();
        Assert.That(System.Text.Encoding.ASCII.GetString(body), Does.Contain("grpc-status: 0"), "the call itself succeeded");
        Assert.That(response.Headers.GetValues("Access-Control-Allow-Origin"), Is.EqualTo(new[] { Allowed }));
        var exposed = string.Join(",", response.Headers.GetValues("Access-Control-Expose-Headers"));
        foreach (var header in new[] { "Grpc-Status", "Grpc-Message", "Grpc-Encoding", "Grpc-Accept-Encoding", "Grpc-Status-Details-Bin" })
        {
            Assert.That(exposed, Does.Contain(header).IgnoreCase);
        }
    }

    [TestCase("http://localhost:5173", ExpectedResult = true)]
    [TestCase("https://app.example.com/", ExpectedResult = true)]
    [TestCase("*", ExpectedResult = true)]
    [TestCase("https://app.example.com/path", ExpectedResult = false)]
    [TestCase("app.example.com", ExpectedResult = false)]
    [TestCase("ftp://app.example.com", ExpectedResult = false)]
    public bool Origins_AreValidated(string origin) => InferenceCorsOptions.IsValidOrigin(origin);
}

/// <summary>Without configuration no origin is allowed: browsers stay same-origin.</summary>
public sealed class GrpcWebCorsDefaultTests : ServerFixture
{
    [Test]
    public async Task Preflight_FromAnyOrigin_GetsNoCorsHeaders()
    {
        using var response = await CorsRequests.Preflight(
            HttpAddress, "/inference.v1.InferenceService/ListModels", "http://localhost:5173");
        Assert.That(response.Headers.Contains("Access-Control-Allow-Origin"), Is.False);
    }
}

internal static class CorsRequests
{
    /// <summary>What a browser sends before a cross-origin gRPC-Web call.</summary>
    public static async Task<HttpResponseMessage> Preflight(Uri server, string path, string origin)
    {
        using var http = new HttpClient { Timeout = TimeoutExtensions.Default };
        using var request = new HttpRequestMessage(HttpMethod.Options, new Uri(server, path));
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "authorization,content-type,x-api-key,x-grpc-web,x-user-agent");
        return await http.SendAsync(request).DefaultTimeout();
    }
}
