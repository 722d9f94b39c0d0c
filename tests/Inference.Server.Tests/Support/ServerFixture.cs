using System.Net;
using System.Net.Sockets;
using Inference.Engine;
using Inference.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Inference.Server.Tests.Support;

/// <summary>
/// The real server, built by the same <see cref="InferenceServerHost"/> as Program, on free loopback ports. Test
/// fixtures derive from it: one server per fixture.
/// </summary>
public abstract class ServerFixture
{
    private WebApplication? _app;

    /// <summary>The HTTP/1.1 base address (REST, gRPC-Web), e.g. http://127.0.0.1:51234.</summary>
    protected Uri HttpAddress { get; private set; } = null!;

    /// <summary>The h2c base address (gRPC).</summary>
    protected Uri GrpcAddress { get; private set; } = null!;

    /// <summary>The running server itself, for the tests that stop it.</summary>
    protected WebApplication App => _app!;

    /// <summary>The running server's services (the model registry, to watch a scheduler).</summary>
    protected IServiceProvider Services => _app!.Services;

    /// <summary>Extra configuration a fixture needs, as command-line arguments (<c>--Section:Key=value</c>), applied
    /// after the addresses. Read once, when the server starts.</summary>
    protected virtual IEnumerable<string> ServerArguments => [];

    [OneTimeSetUp]
    public async Task StartServer()
    {
        var httpPort = FreePort();
        var grpcPort = FreePort();
        var builder = InferenceServerHost.CreateBuilder(
        [
            "--Inference:Host=127.0.0.1",
            $"--Inference:Http:Port={httpPort}",
            $"--Inference:Grpc:Port={grpcPort}",
            .. ServerArguments,
        ]);
        builder.Logging.ClearProviders();
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
    }

    /// <summary>A loopback port free now; fixtures use it for servers of their own.</summary>
    protected internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
