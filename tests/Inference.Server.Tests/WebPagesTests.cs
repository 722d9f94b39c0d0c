using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Inference.Server.Tests.Support;

namespace Inference.Server.Tests;

/// <summary>The playground at <c>/</c> and the reference at <c>/docs</c> over plain HTTP: served from the built
/// assets with cache headers that fit them, and never in the way of the API's own routes.</summary>
public sealed partial class WebPagesTests : ServerFixture
{
    private HttpClient _http = null!;

    [OneTimeSetUp]
    public void CreateClient()
    {
        var built = Path.Combine(AppContext.BaseDirectory, "web", "index.html");
        Assert.That(File.Exists(built), Is.True,
            $"{built} is missing: run `make web` (npm ci + npm run build in src/Inference.Playground), then rebuild the tests.");
        _http = new HttpClient { BaseAddress = HttpAddress, Timeout = TimeoutExtensions.Default };
    }

    [OneTimeTearDown]
    public void DisposeClient() => _http.Dispose();

    [TestCase("/", "Inference playground")]
    [TestCase("/docs", "swagger-ui")]
    public async Task Page_IsHtml_RevalidatedOnEveryLoad_AndLimitedToItsOrigin(string path, string marker)
    {
        using var response = await _http.GetAsync(path).DefaultTimeout();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/html"));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain(marker));
        Assert.That(response.Headers.CacheControl?.NoCache, Is.True);
        Assert.That(string.Join(";", response.Headers.GetValues("Content-Security-Policy")), Does.Contain("default-src 'self'"));

        // The ETag turns the revalidation into a 304.
        using var again = new HttpRequestMessage(HttpMethod.Get, path);
        again.Headers.IfNoneMatch.Add(response.Headers.ETag!);
        using var notModified = await _http.SendAsync(again).DefaultTimeout();
        Assert.That(notModified.StatusCode, Is.EqualTo(HttpStatusCode.NotModified));
    }

    [TestCase("/")]
    [TestCase("/docs")]
    public async Task EveryAssetAPageNames_IsServed_AndCachedForGood(string page)
    {
        var html = await _http.GetStringAsync(page).DefaultTimeout();
        var assets = AssetReference().Matches(html).Select(m => m.Groups["path"].Value).ToArray();
        Assert.That(assets, Is.Not.Empty, html);
        foreach (var asset in assets)
        {
            using var response = await _http.GetAsync(asset).DefaultTimeout();
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), asset);
            Assert.That(response.Headers.CacheControl?.ToString(), Does.Contain("immutable").And.Contain("max-age=31536000"), asset);
        }
    }

    [Test]
    public async Task ApiRoutes_AreNotShadowedByTheStaticFiles()
    {
        using var models = await _http.GetAsync("/v1/models").DefaultTimeout();
        Assert.That(models.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/json"));
        using var unknown = await _http.GetAsync("/v1/index.html").DefaultTimeout();
        Assert.That(unknown.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(await unknown.Content.ReadAsStringAsync(), Does.Contain("\"error\""), "an unknown /v1 path stays an OpenAI error");
        using var metrics = await _http.GetAsync("/metrics").DefaultTimeout();
        Assert.That(metrics.Content.Headers.ContentType?.MediaType, Does.StartWith("text/plain"));
    }

    [GeneratedRegex("(?:src|href)=\"(?<path>/assets/[^\"]+)\"")]
    private static partial Regex AssetReference();
}

/// <summary>Without the built assets the pages say how to build them, and the API is unaffected.</summary>
public sealed class WebPagesNotBuiltTests : ServerFixture
{
    private static readonly string EmptyRoot = Path.Combine(Path.GetTempPath(), "inference-no-web-" + Guid.NewGuid().ToString("N"));

    protected override IEnumerable<string> ServerArguments => [$"--Inference:Web:Root={EmptyRoot}"];

    [TestCase("/")]
    [TestCase("/docs")]
    public async Task Page_SaysToRunMakeWeb(string path)
    {
        using var http = CreateHttpClient();
        using var response = await http.GetAsync(path).DefaultTimeout();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/plain"));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("make web"));

        using var models = await http.GetAsync("/v1/models").DefaultTimeout();
        Assert.That(models.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        using var openApi = await http.GetAsync("/openapi.json").DefaultTimeout();
        Assert.That(openApi.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }
}
