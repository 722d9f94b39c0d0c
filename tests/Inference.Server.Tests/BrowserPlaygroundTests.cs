using Inference.Server.Tests.Support;

namespace Inference.Server.Tests;

/// <summary>
/// The pages the server serves, in headless Chromium (tests/browser/playground.test.mjs): the chat playground at
/// <c>/</c> answers "What is 23 + 19?" with a streamed 42 and shows usage and timings, refuses a wrong API key with a
/// hint and sends the right one as a bearer token; the API reference at <c>/docs</c> renders every operation of <c>/openapi.json</c> without a request
/// to another host. The screenshots (playground.png, docs.png) are attached to the test.
/// </summary>
public sealed class BrowserPlaygroundTests : ServerFixture
{
    [Test]
    public Task PlaygroundAndReference_InHeadlessChromium()
    {
        var built = Path.Combine(AppContext.BaseDirectory, "web", "index.html");
        Assert.That(File.Exists(built), Is.True,
            $"{built} is missing: run `make web` (npm ci + npm run build in src/Inference.Playground), then rebuild the tests.");
        return NodeTestRun.RunAsync("playground.test.mjs", "playground-output", new Dictionary<string, string>
        {
            ["INFERENCE_URL"] = HttpAddress.ToString().TrimEnd('/'),
            ["INFERENCE_API_KEY"] = ApiKey,
        });
    }
}
