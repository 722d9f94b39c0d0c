using System.Net;
using System.Text;
using Inference.Server.Tests.Support;

namespace Inference.Server.Tests;

/// <summary>The CORS policy on the REST face: a page from an allowed origin can call /v1 (preflight, JSON, and
/// server-sent events, which the SSE adapter writes itself) and read /openapi.json.</summary>
public sealed class RestCorsTests : ServerFixture
{
    private const string Allowed = "http://app.example:5173";

    protected override IEnumerable<string> ServerArguments => [$"--Inference:Cors:AllowedOrigins:0={Allowed}"];

    [Test]
    public async Task Preflight_ForAChatCompletion_AllowsTheOriginAndTheAuthorizationHeader()
    {
        using var http = CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Options, new Uri(HttpAddress, "/v1/chat/completions"));
        request.Headers.Add("Origin", Allowed);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "content-type,authorization");
        using var response = await http.SendAsync(request).DefaultTimeout();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(response.Headers.GetValues("Access-Control-Allow-Origin"), Is.EqualTo(new[] { Allowed }));
        Assert.That(string.Join(",", response.Headers.GetValues("Access-Control-Allow-Headers")), Does.Contain("authorization"));
    }

    [TestCase(false, "application/json")]
    [TestCase(true, "text/event-stream")]
    public async Task ChatCompletion_FromAnAllowedOrigin_CarriesTheCorsHeader(bool stream, string mediaType)
    {
        using var response = await PostChat(Allowed, stream);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo(mediaType));
        Assert.That(response.Headers.GetValues("Access-Control-Allow-Origin"), Is.EqualTo(new[] { Allowed }));
    }

    [Test]
    public async Task StreamedChatCompletion_FromAnotherOrigin_GetsNoCorsHeader()
    {
        using var response = await PostChat("http://elsewhere.example", stream: true);
        Assert.That(response.Headers.Contains("Access-Control-Allow-Origin"), Is.False);
    }

    [Test]
    public async Task OpenApiDocument_FromAnAllowedOrigin_CarriesTheCorsHeader()
    {
        using var http = CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(HttpAddress, "/openapi.json"));
        request.Headers.Add("Origin", Allowed);
        using var response = await http.SendAsync(request).DefaultTimeout();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Headers.GetValues("Access-Control-Allow-Origin"), Is.EqualTo(new[] { Allowed }));
    }

    private async Task<HttpResponseMessage> PostChat(string origin, bool stream)
    {
        using var http = CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(HttpAddress, "/v1/chat/completions"))
        {
            Content = new StringContent(
                $$"""{"model":"tiny-chat","max_tokens":4,"stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":"Hi"}]}""",
                Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Origin", origin);
        return await http.SendAsync(request).DefaultTimeout();
    }
}
