using Inference.Tests.Shared;
using System.Net;
using System.Text.RegularExpressions;
using Grpc.Net.Client;
using Inference.Contracts.V1;
using Inference.Server.Auth;
using Inference.Server.Hosting;
using Inference.Server.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Inference.Server.Tests;

/// <summary>How the server authenticates depending on what is configured: the development key of `make run`, the
/// key in INFERENCE_API_KEY, authentication turned off, and the refusal to serve a public address with no key.</summary>
[NonParallelizable]
public sealed partial class AuthStartupTests
{
    [OneTimeSetUp]
    public void NoKeysFromTheEnvironment()
    {
        // These tests are about what happens when nothing is configured; a developer's shell must not configure it.
        Assert.That(Environment.GetEnvironmentVariable(AuthOptions.ApiKeyEnvironmentVariable), Is.Null, "unset INFERENCE_API_KEY to run these tests");
        Assert.That(Environment.GetEnvironmentVariable("INFERENCE_KEYS_DB"), Is.Null, "unset INFERENCE_KEYS_DB to run these tests");
    }

    [Test]
    public async Task PublicAddress_WithNoKeyConfigured_RefusesToStart_SayingWhatToSet()
    {
        await using var server = Server.Create(["--Inference:Host=0.0.0.0"]);
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => server.App.StartAsync().DefaultTimeout());
        Assert.That(error!.Message, Does.Contain("not a loopback address").And.Contain("Inference:Auth:KeysDatabasePath").And.Contain("INFERENCE_API_KEY"));
    }

    [Test]
    public async Task Loopback_WithNothingConfigured_PrintsOneDevelopmentKey_WithEveryRight()
    {
        string storePath;
        string key;
        await using (var server = Server.Create([]))
        {
            await server.App.StartAsync().DefaultTimeout();
            var printed = server.Console.ToString();
            var keys = SecretPattern().Matches(printed).Select(m => m.Value).Distinct().ToList();
            Assert.That(keys, Has.Count.EqualTo(1), printed);
            key = keys[0];
            storePath = server.App.Services.GetRequiredService<ApiKeyAuthenticator>().Store!.Path;

            using var http = new HttpClient { BaseAddress = server.HttpAddress, Timeout = TimeoutExtensions.Default };
            Assert.That((await http.GetAsync(new Uri("/v1/models", UriKind.Relative)).DefaultTimeout()).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
            http.DefaultRequestHeaders.Authorization = new("Bearer", key);
            Assert.That((await http.GetAsync(new Uri("/v1/admin/keys", UriKind.Relative)).DefaultTimeout()).StatusCode, Is.EqualTo(HttpStatusCode.OK), "an admin key");
            Assert.That(server.Logs.Lines.Where(l => l.Contains(key[11..], StringComparison.Ordinal)), Is.Empty, "printed, never logged");
            Assert.That(string.Join("\n", server.Logs.Lines), Does.Contain(key[..11]), "the log names it by its prefix");
            await server.App.StopAsync().DefaultTimeout();
        }

        Assert.That(File.Exists(storePath), Is.False, "the development key store goes with the server");
    }

    [Test]
    public async Task EnvironmentKey_HasEveryRight_AndIsTheOnlyKey()
    {
        const string Key = "a-key-chosen-by-the-operator-0123456789";
        await using var server = Server.Create([$"--Inference:Auth:ApiKey={Key}"]);
        await server.App.StartAsync().DefaultTimeout();
        Assert.That(server.Console.ToString(), Is.Empty, "no development key when a key is configured");
        Assert.That(server.App.Services.GetRequiredService<ApiKeyAuthenticator>().Store, Is.Null, "no store: nothing written to disk");

        using var channel = GrpcChannel.ForAddress(server.GrpcAddress, new GrpcChannelOptions { HttpHandler = new ApiKeyHandler(Key, new SocketsHttpHandler()) });
        var models = await new InferenceService.InferenceServiceClient(channel).ListModelsAsync(new ListModelsRequest()).ResponseAsync.DefaultTimeout();
        Assert.That(models.Data.Select(m => m.Id), Does.Contain("tiny-chat"));

        using var http = new HttpClient(new ApiKeyHandler(Key + "x", new SocketsHttpHandler())) { BaseAddress = server.HttpAddress, Timeout = TimeoutExtensions.Default };
        Assert.That((await http.GetAsync(new Uri("/v1/models", UriKind.Relative)).DefaultTimeout()).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), "another key");
        // Keys of the same length are compared in full: one character off anywhere (in the first word, the middle, the
        // bytes after the last whole word) is another key.
        foreach (var position in new[] { 0, Key.Length / 2, Key.Length - 1 })
        {
            var nearly = Key[..position] + (char)(Key[position] + 1) + Key[(position + 1)..];
            using var near = new HttpClient(new ApiKeyHandler(nearly, new SocketsHttpHandler())) { BaseAddress = server.HttpAddress, Timeout = TimeoutExtensions.Default };
            Assert.That((await near.GetAsync(new Uri("/v1/models", UriKind.Relative)).DefaultTimeout()).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), $"one character off at {position}");
        }


        using var admin = new HttpClient(new ApiKeyHandler(Key, new SocketsHttpHandler())) { BaseAddress = server.HttpAddress, Timeout = TimeoutExtensions.Default };
        using var create = await admin.PostAsync(new Uri("/v1/admin/keys", UriKind.Relative), new StringContent("""{"name":"x"}""", System.Text.Encoding.UTF8, "application/json")).DefaultTimeout();
        var body = await create.Content.ReadAsStringAsync().DefaultTimeout();
        Assert.That(create.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), body);
        Assert.That(body, Does.Contain("key_store_not_configured"));
    }

    [Test]
    public async Task AuthenticationOff_LetsEveryCallThrough()
    {
        await using var server = Server.Create(["--Inference:Auth:Enabled=false"]);
        await server.App.StartAsync().DefaultTimeout();
        using var http = new HttpClient { BaseAddress = server.HttpAddress, Timeout = TimeoutExtensions.Default };
        using var chat = await http.PostAsync(new Uri("/v1/chat/completions", UriKind.Relative), new StringContent(
            """{"model":"tiny-chat","messages":[{"role":"user","content":"Hi"}],"max_tokens":2}""", System.Text.Encoding.UTF8, "application/json")).DefaultTimeout();
        Assert.That(chat.StatusCode, Is.EqualTo(HttpStatusCode.OK), await chat.Content.ReadAsStringAsync());

        using var channel = GrpcChannel.ForAddress(server.GrpcAddress);
        var models = await new InferenceService.InferenceServiceClient(channel).ListModelsAsync(new ListModelsRequest()).ResponseAsync.DefaultTimeout();
        Assert.That(models.Data, Is.Not.Empty);
        Assert.That(server.Logs.Lines, Has.Some.Contains("Authentication is off"), "said loudly at start");
    }

    [GeneratedRegex("sk-[A-Za-z0-9_-]{43}")]
    private static partial Regex SecretPattern();

    /// <summary>A server built as Program builds it, with its console and logs captured.</summary>
    private sealed class Server : IAsyncDisposable
    {
        private Server(WebApplication app, int httpPort, int grpcPort, StringWriter console, CapturingLoggerProvider logs)
        {
            App = app;
            HttpAddress = new Uri($"http://127.0.0.1:{httpPort}");
            GrpcAddress = new Uri($"http://127.0.0.1:{grpcPort}");
            Console = console;
            Logs = logs;
        }

        public WebApplication App { get; }

        public Uri HttpAddress { get; }

        public Uri GrpcAddress { get; }

        public StringWriter Console { get; }

        public CapturingLoggerProvider Logs { get; }

        public static Server Create(IEnumerable<string> arguments)
        {
            int httpPort = Ports.Free(), grpcPort = Ports.Free();
            var builder = InferenceServerHost.CreateBuilder(
                ["--Inference:Host=127.0.0.1", $"--Inference:Http:Port={httpPort}", $"--Inference:Grpc:Port={grpcPort}", .. arguments]);
            var console = new StringWriter();
            var logs = new CapturingLoggerProvider();
            builder.Logging.ClearProviders().AddProvider(logs);
            builder.Services.AddSingleton(new StartupConsole(console));
            return new Server(InferenceServerHost.Build(builder), httpPort, grpcPort, console, logs);
        }

        public async ValueTask DisposeAsync() => await App.DisposeAsync();
    }
}
