using System.Diagnostics;
using Inference.Server.Tests.Support;

namespace Inference.Server.Tests;

/// <summary>The official <c>openai</c> npm SDK and <c>buf curl</c>, run by <c>node --test</c> in tests/sdk-js against
/// this fixture's server, so <c>dotnet test</c> covers them. <c>make test-deps</c> installs their packages.</summary>
public sealed class JsSdkTests : ServerFixture
{
    private static string SdkFolder
    {
        get
        {
            var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Inference.sln")))
            {
                dir = dir.Parent;
            }

            return Path.Combine(dir?.FullName ?? throw new InvalidOperationException("Repository root not found."), "tests", "sdk-js");
        }
    }

    [Test]
    public async Task OpenAiNpmSdkAndBufCurl_PassAgainstTheServer()
    {
        var folder = SdkFolder;
        Assert.That(Directory.Exists(Path.Combine(folder, "node_modules", "openai")), Is.True,
            $"npm packages missing in {folder}: run `make test-deps` (npm ci) first.");

        var start = new ProcessStartInfo("node", "--test --test-reporter=spec")
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["INFERENCE_BASE_URL"] = new Uri(HttpAddress, "/v1").ToString();
        start.Environment["INFERENCE_GRPC_URL"] = GrpcAddress.ToString().TrimEnd('/');
        start.Environment["INFERENCE_API_KEY"] = ApiKey;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("node --test did not finish within 120 s:\n" + await stdout);
        }

        var output = await stdout.DefaultTimeout() + await stderr.DefaultTimeout();
        TestContext.Out.WriteLine(output);
        Assert.That(process.ExitCode, Is.Zero, output);
    }
}
