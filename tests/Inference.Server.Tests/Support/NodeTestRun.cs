using System.Diagnostics;
using System.Globalization;

namespace Inference.Server.Tests.Support;

/// <summary>
/// Runs one <c>node --test</c> file from tests/browser against a fixture's server and fails the NUnit test when it
/// fails. The browser tests drive Debian's chromium through playwright-core; <c>make test-deps</c> installs chromium
/// and the npm packages, and a missing one fails the test rather than skipping it, so a green run always means a real
/// browser did the work. Every file the run leaves in its output folder (screenshots, page logs) is attached.
/// </summary>
internal static class NodeTestRun
{
    private const string DefaultChromium = "/usr/bin/chromium";
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(240);

    /// <summary>The repository root, found from the test's output folder.</summary>
    public static string RepositoryRoot
    {
        get
        {
            var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Inference.sln")))
            {
                dir = dir.Parent;
            }

            return dir?.FullName ?? throw new InvalidOperationException("Repository root not found.");
        }
    }

    /// <summary>Runs <paramref name="testFile"/> with <paramref name="environment"/> (plus CHROMIUM_PATH and
    /// BROWSER_TEST_OUTPUT, a fresh folder named <paramref name="outputName"/>).</summary>
    public static async Task RunAsync(string testFile, string outputName, IReadOnlyDictionary<string, string> environment)
    {
        var folder = Path.Combine(RepositoryRoot, "tests", "browser");
        var chromium = Environment.GetEnvironmentVariable("CHROMIUM_PATH") ?? DefaultChromium;
        Assert.That(File.Exists(chromium), Is.True,
            $"{chromium} is missing: run `make test` (its test-deps target installs chromium with apt-get), or set CHROMIUM_PATH.");
        Assert.That(Directory.Exists(Path.Combine(folder, "node_modules", "playwright-core")), Is.True,
            $"npm packages missing in {folder}: run `make test-deps` (npm ci) first.");

        var output = Path.Combine(TestContext.CurrentContext.WorkDirectory, outputName);
        if (Directory.Exists(output))
        {
            Directory.Delete(output, recursive: true);
        }

        var start = new ProcessStartInfo("node", $"--test --test-reporter=spec {testFile}")
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        start.Environment["BROWSER_TEST_OUTPUT"] = output;
        start.Environment["CHROMIUM_PATH"] = chromium;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"node --test {testFile} did not finish within {Limit.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s:\n" + await stdout);
        }

        var log = await stdout.DefaultTimeout() + await stderr.DefaultTimeout();
        TestContext.Out.WriteLine(log);

        // Screenshots and page logs, attached so a CI run keeps them.
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
