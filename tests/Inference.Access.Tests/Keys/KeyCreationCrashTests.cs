using System.Diagnostics;
using Inference.Access.Keys;
using Inference.Access.Tests.Infrastructure;
using Inference.Tests.Shared;

namespace Inference.Access.Tests.Keys;

public sealed class KeyCreationCrashTests
{
    [Test]
    public async Task SigkillWhileCreatingKeys_EveryReportedKeyIsInTheDatabase()
    {
        using var directory = new TempDirectory();
        var path = directory.File("keys.db");
        var harness = Path.Combine(AppContext.BaseDirectory, "Inference.Access.CrashHarness.dll");
        Assert.That(File.Exists(harness), Is.True, $"missing {harness}");

        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(harness);
        start.ArgumentList.Add(path);

        var reported = new List<string>();
        var enough = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var child = Process.Start(start)!;
        child.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line && line.StartsWith("key:", StringComparison.Ordinal))
            {
                lock (reported)
                {
                    reported.Add(line[4..].Trim());
                    if (reported.Count >= 30)
                    {
                        enough.TrySetResult();
                    }
                }
            }
        };
        child.ErrorDataReceived += (_, _) => { };
        child.BeginOutputReadLine();
        child.BeginErrorReadLine();

        try
        {
            await enough.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }
        finally
        {
            // Process.Kill sends SIGKILL on Linux: no flush, no finaliser, no checkpoint.
            child.Kill();
            await child.WaitForExitAsync().DefaultTimeout();
        }

        string[] keys;
        lock (reported)
        {
            keys = [.. reported];
        }

        TestContext.Out.WriteLine($"{keys.Length} keys reported before SIGKILL");
        var (integrity, missing, stored) = KeyDatabaseAfterCrash.Inspect(path, keys);
        Assert.That(integrity, Is.EqualTo("ok"));
        Assert.That(missing, Is.Empty, "reported keys missing after SIGKILL");
        Assert.That(stored, Is.GreaterThanOrEqualTo(keys.Length));
    }
}
