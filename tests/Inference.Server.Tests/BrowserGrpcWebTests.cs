using System.Globalization;
using Inference.Server.Tests.Support;

namespace Inference.Server.Tests;

/// <summary>
/// A page in headless Chromium calls this fixture's server over gRPC-Web, cross-origin: tests/browser/browser.test.mjs
/// bundles the page, serves it on <see cref="_pagePort"/> (an origin the server allows through
/// <c>Inference:Cors:AllowedOrigins</c>) and drives Debian's chromium with playwright-core (see <see cref="NodeTestRun"/>).
/// </summary>
public sealed class BrowserGrpcWebTests : ServerFixture
{
    // Chosen before the server starts: the page's origin has to be in the server's configuration.
    private readonly int _pagePort = FreePort();

    private string PageOrigin => $"http://127.0.0.1:{_pagePort}";

    protected override IEnumerable<string> ServerArguments => [$"--Inference:Cors:AllowedOrigins:0={PageOrigin}"];

    [Test]
    public Task PageInHeadlessChromium_CallsEveryKindOfRpc() =>
        NodeTestRun.RunAsync("browser.test.mjs", "browser-output", new Dictionary<string, string>
        {
            ["INFERENCE_GRPC_WEB_URL"] = HttpAddress.ToString().TrimEnd('/'),
            ["BROWSER_PAGE_PORT"] = _pagePort.ToString(CultureInfo.InvariantCulture),
            ["INFERENCE_API_KEY"] = ApiKey,
        });
}
