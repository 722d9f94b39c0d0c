using Inference.Tests.Shared;
using System.Net;
using Grpc.Net.Client;
using Grpc.Net.Client.Web;
using Inference.Access.Keys;
using Inference.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Inference.Server.Tests.Support;

/// <summary>
/// The real server, built by the same <see cref="InferenceServerHost"/> as Program, on free loopback ports. Test
/// fixtures derive from it: one server per fixture. Authentication is on, as it is by default: the fixture's key
/// store (a temporary SQLite file) holds an admin key, <see cref="ApiKey"/>, which the clients made here send.
/// </summary>
public abstract class ServerFixture
{
    private WebApplication? _app;
    private string? _keysFolder;

    /// <summary>The HTTP/1.1 base address (REST, gRPC-Web), e.g. http://127.0.0.1:51234.</summary>
    protected Uri HttpAddress { get; private set; } = null!;

    /// <summary>The h2c base address (gRPC).</summary>
    protected Uri GrpcAddress { get; private set; } = null!;

    /// <summary>The running server itself, for the tests that stop it.</summary>
    protected WebApplication App => _app!;

    /// <summary>The running server's services (the model registry, to watch a scheduler).</summary>
    protected IServiceProvider Services => _app!.Services;

    /// <summary>The admin key every client made by this fixture sends (every model, no limits).</summary>
    protected string ApiKey { get; private set; } = null!;

    /// <summary>The server's key store, to make keys for a test.</summary>
    protected ApiKeyStore KeyStore => Services.GetRequiredService<ApiKeyStore>();

    /// <summary>The key store file (to open it from another process or after the server stopped).</summary>
    protected string KeysDatabasePath => Path.Combine(_keysFolder!, "keys.db");

    /// <summary>Extra configuration a fixture needs, as command-line arguments (<c>--Section:Key=value</c>), applied
    /// after the addresses. Read once, when the server starts.</summary>
    protected virtual IEnumerable<string> ServerArguments => [];

    [OneTimeSetUp]
    public async Task StartServer()
    {
        var httpPort = FreePort();
        var grpcPort = FreePort();
        _keysFolder = Directory.CreateTempSubdirectory("inference-test-keys-").FullName;
        using (var store = new ApiKeyStore(KeysDatabasePath))
        {
            ApiKey = store.Create(new ApiKeySpec { Name = "test-admin", IsAdmin = true }).RawKey;
        }

        var builder = InferenceServerHost.CreateBuilder(
        [
            "--Inference:Host=127.0.0.1",
            $"--Inference:Http:Port={httpPort}",
            $"--Inference:Grpc:Port={grpcPort}",
            $"--Inference:Auth:KeysDatabasePath={KeysDatabasePath}",
            .. ServerArguments,
        ]);
        builder.Logging.ClearProviders();
        ConfigureServer(builder);
        if (Environment.GetEnvironmentVariable("INFERENCE_TEST_LOGS") is not null)
        {
            builder.Logging.AddProvider(new ProgressLoggerProvider());
        }
        _app = InferenceServerHost.Build(builder);
        await _app.StartAsync().DefaultTimeout();
        HttpAddress = new Uri($"http://127.0.0.1:{httpPort}");
        GrpcAddress = new Uri($"http://127.0.0.1:{grpcPort}");
    }

    [OneTimeTearDown]
    public async Task StopServer()
    {
        if (_app is not null)
        {
            await _app.StopAsync().DefaultTimeout();
            await _app.DisposeAsync();
        }

        if (_keysFolder is not null)
        {
            Directory.Delete(_keysFolder, recursive: true);
        }
    }

    /// <summary>A fixture's own services or logging, registered before the server's (which are TryAdd).</summary>
    protected virtual void ConfigureServer(WebApplicationBuilder builder)
    {
    }

    /// <summary>An HttpClient on the HTTP port that sends the fixture's admin key.</summary>
    protected HttpClient CreateHttpClient(HttpMessageHandler? handler = null) => CreateHttpClient(ApiKey, handler);

    /// <summary>An HttpClient on the HTTP port that sends <paramref name="key"/> (none when null).</summary>
    protected HttpClient CreateHttpClient(string? key, HttpMessageHandler? handler = null) =>
        new(WithKey(key, handler ?? new SocketsHttpHandler())) { BaseAddress = HttpAddress, Timeout = TimeoutExtensions.Default };

    /// <summary>A gRPC (h2c) channel that sends the fixture's admin key as <c>authorization</c> metadata.</summary>
    protected GrpcChannel CreateGrpcChannel() => CreateGrpcChannel(ApiKey);

    /// <summary>A gRPC (h2c) channel that sends <paramref name="key"/> (none when null).</summary>
    protected GrpcChannel CreateGrpcChannel(string? key) =>
        GrpcChannel.ForAddress(GrpcAddress, new GrpcChannelOptions { HttpHandler = WithKey(key, new SocketsHttpHandler()) });

    /// <summary>A gRPC-Web channel on the HTTP port that sends the fixture's admin key.</summary>
    protected GrpcChannel CreateGrpcWebChannel() => CreateGrpcWebChannel(ApiKey);

    /// <summary>A gRPC-Web channel on the HTTP port that sends <paramref name="key"/> (none when null).</summary>
    protected GrpcChannel CreateGrpcWebChannel(string? key) =>
        GrpcChannel.ForAddress(HttpAddress, new GrpcChannelOptions
        {
            HttpHandler = new GrpcWebHandler(GrpcWebMode.GrpcWeb, WithKey(key, new HttpClientHandler())),
            HttpVersion = HttpVersion.Version11,
        });

    /// <summary>Clients on every face that send no key of their own (each call names its key).</summary>
    private protected FaceClient CreateFaceClient() =>
        new(CreateHttpClient(key: null), CreateGrpcChannel(key: null), CreateGrpcWebChannel(key: null));

    private static HttpMessageHandler WithKey(string? key, HttpMessageHandler inner) =>
        key is null ? inner : new ApiKeyHandler(key, inner);

    /// <summary>A loopback port free now; fixtures use it for servers of their own.</summary>
    protected internal static int FreePort() => Ports.Free();
}
