using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Inference.Server.Tests.Support;
using Inference.Tests.Shared;

namespace Inference.Server.Tests;

/// <summary>The server is killed with SIGKILL while clients create keys through the admin API: afterwards the key
/// database opens, passes SQLite's integrity check, and holds every key whose creation the server reported.</summary>
[NonParallelizable]
public sealed class AdminKeyCreationCrashTests
{
    private const string AdminKey = "crash-test-admin-key-0123456789abcdef";
    private const int Creators = 4;
    private const int ReportedBeforeKill = 40;

    [Test]
    public async Task SigkillWhileCreatingKeys_EveryReportedKeyIsInTheDatabase()
    {
        var folder = Directory.CreateTempSubdirectory("inference-crash-").FullName;
        try
        {
            var database = Path.Combine(folder, "keys.db");
            var reported = new List<string>();
            var enough = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using (var server = await ServerProcess.StartAsync(
                       ["--Inference:Models:0:Id=synthetic", "--Inference:Models:0:Synthetic:TokensPerSecond=0", $"--Inference:Auth:KeysDatabasePath={database}"],
                       new Dictionary<string, string> { ["INFERENCE_API_KEY"] = AdminKey }))
            {
                using var http = new HttpClient { BaseAddress = server.HttpAddress, Timeout = TimeoutExtensions.Default };
                http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
                var creators = Enumerable.Range(0, Creators).Select(c => CreateUntilFailureAsync(http, c, reported, enough)).ToArray();
                await enough.Task.WaitAsync(TimeSpan.FromSeconds(60));
                server.Kill();
                await Task.WhenAll(creators).WaitAsync(TimeoutExtensions.Default);
            }

            string[] keys;
            lock (reported)
            {
                keys = [.. reported];
            }

            TestContext.Out.WriteLine($"{keys.Length} keys reported created before SIGKILL");
            var (integrity, missing, stored) = KeyDatabaseAfterCrash.Inspect(database, keys);
            Assert.That(integrity, Is.EqualTo("ok"));
            Assert.That(keys, Has.Length.GreaterThanOrEqualTo(ReportedBeforeKill));
            Assert.That(missing, Is.Empty, "keys reported created but missing after SIGKILL");
            Assert.That(stored, Is.GreaterThanOrEqualTo(keys.Length), "at least every reported key is stored");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Creates keys back to back until the server is gone, recording each one the server reported.</summary>
    private static async Task CreateUntilFailureAsync(HttpClient http, int creator, List<string> reported, TaskCompletionSource enough)
    {
        for (var i = 0; ; i++)
        {
            string secret;
            try
            {
                using var content = new StringContent($$"""{"name":"crash-{{creator}}-{{i}}"}""", Encoding.UTF8, "application/json");
                using var response = await http.PostAsync(new Uri("/v1/admin/keys", UriKind.Relative), content);
                if (!response.IsSuccessStatusCode)
                {
                    return;
                }

                secret = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("secret").GetString()!;
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or IOException)
            {
                // The server died under us: a creation without a response was never reported.
                return;
            }

            lock (reported)
            {
                reported.Add(secret);
                if (reported.Count >= ReportedBeforeKill)
                {
                    enough.TrySetResult();
                }
            }
        }
    }
}
