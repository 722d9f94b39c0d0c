using System.Diagnostics;
using Inference.Server.Tests.Support;

namespace Inference.Server.Tests;

/// <summary>
/// A page in headless Chromium calls this fixture's server over gRPC-Web, cross-origin: <c>node --test</c> in
/// tests/browser bundles the page, serves it on <see cref="_pagePort"/> (an origin the server allows through
/// <c>Inference:Cors:AllowedOrigins</c>) and drives Debian's chromium with playwright-core. <c>make test-deps</c>
/// installs chromium and the npm packages; a missing browser fails the test rather than skipping it, so a green run
/// always means a browser really talked to the server.
/// </summary>
public sealed class BrowserGrpcWebTests : ServerFixture
{
    private const string DefaultChromium = "/usr/bin/chromium";

    // Chosen before the server starts: the page's origin has to be in the server's configuration.
    private readonly int _pagePort = FreePort();

    private string PageOrigin => $"http://127.0.0.1:{_pagePort}";

    protected override IEnumerable<string> ServerArguments => [$"--Inference:Cors:AllowedOrigins:0={PageOrigin}"];

    private static string BrowserFolder
    {
        get
        {
            var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Inference.sln")))
            {
                dir = dir.Parent;
            }

            return Path.Combine(dir?.FullName ?? throw new InvalidOperationException("Repository root not found."), "tests", "browser");
        }
    }

    [Test]
    public async Task PageInHeadlessChromium_CallsEveryKindOfRpc()
    {
        var folder = BrowserFolder;
        var chromium = Environment.GetEnvironmentVariable("CHROMIUM_PATH") ?? DefaultChromium;
        Assert.That(File.Exists(chromium), Is.True,
            $"{chromium} is missing: run `make test` (its test-deps target installs chromium with apt-get), or set CHROMIUM_PATH.");
        Assert.That(Directory.Exists(Path.Combine(folder, "node_modules", "playwright-core")), Is.True,
            $"npm packages missing in {folder}: run `make test-deps` (npm ci) first.");

        var output = Path.Combine(TestContext.CurrentContext.WorkDirectory, "browser-output");
        if (Directory.Exists(output))
        {
            Directory.Delete(output, recursive: true);
        }

        var start = new ProcessStartInfo("node", "--test --test-reporter=spec")
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["INFERENCE_GRPC_WEB_URL"] = HttpAddress.ToString().TrimEnd('/');
        start.Environment["BROWSER_PAGE_PORT"] = _pagePort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["BROWSER_TEST_OUTPUT"] = output;
        start.Environment["CHROMIUM_PATH"] = chromium;
        start.Environment["INFERENCE_API_KEY"] = ApiKey;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(240));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("node --test did not finish within 240 s:\n" + await stdout);
        }

        var log = await stdout.DefaultTimeout() + await stderr.DefaultTimeout();
        TestContext.Out.WriteLine(log);

        // The page's screenshots and logs from failed checks, attached so a CI run keeps them.
        if (Directory.Exists(output))
        {
            foreach (var file in Directory.EnumerateFiles(output))
            {
                TestContext.AddTestAttachment(file);
            }
        }

        Assert.That(process.ExitCode, Is.Zero, log);
    }
}
