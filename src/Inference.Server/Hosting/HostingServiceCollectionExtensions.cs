using System.Net;
using Inference.Server.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Kestrel's two endpoints from validated <see cref="HostingOptions"/>.</summary>
public static class HostingServiceCollectionExtensions
{
    /// <summary>Listens on the HTTP/1.1 port (REST, gRPC-Web, health) and the h2c port (gRPC).</summary>
    public static IServiceCollection AddInferenceHosting(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<HostingOptions>()
            .Bind(configuration.GetSection(HostingOptions.Section))
            .ValidateDataAnnotations()
            .Validate(o => o.Http.Port is >= 1 and <= 65535 && o.Grpc.Port is >= 1 and <= 65535,
                "Inference:Http:Port and Inference:Grpc:Port must be between 1 and 65535.")
            .Validate(o => o.Http.Port != o.Grpc.Port, "Inference:Http:Port and Inference:Grpc:Port must differ.")
            .Validate(o => o.Host is "*" or "localhost" || IPAddress.TryParse(o.Host, out _),
                "Inference:Host must be an IP address, localhost or *.")
            .ValidateOnStart();
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<HostingOptions>>((kestrel, hosting) =>
        {
            var options = hosting.Value;
            Listen(kestrel, options.Host, options.Http.Port, HttpProtocols.Http1);
            Listen(kestrel, options.Host, options.Grpc.Port, HttpProtocols.Http2);
        });
        return services;
    }

    private static void Listen(KestrelServerOptions kestrel, string host, int port, HttpProtocols protocols)
    {
        if (host == "*")
        {
            kestrel.ListenAnyIP(port, l => l.Protocols = protocols);
        }
        else if (host == "localhost")
        {
            kestrel.ListenLocalhost(port, l => l.Protocols = protocols);
        }
        else if (IPAddress.TryParse(host, out var address))
        {
            kestrel.Listen(address, port, l => l.Protocols = protocols);
        }

        // An invalid host is reported by the options validation, which runs at start-up.
    }
}
