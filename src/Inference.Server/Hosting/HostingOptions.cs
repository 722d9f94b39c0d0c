using System.ComponentModel.DataAnnotations;

namespace Inference.Server.Hosting;

/// <summary>Where the server listens (configuration section <c>Inference</c>: <c>Inference:Host</c>,
/// <c>Inference:Http:Port</c>, <c>Inference:Grpc:Port</c>).</summary>
public sealed class HostingOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Inference";

    /// <summary>The address to bind: an IP address, <c>localhost</c>, or <c>*</c> for every interface. Loopback by
    /// default: exposing the service is a deliberate act.</summary>
    [Required]
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>HTTP/1.1: REST, gRPC-Web and health.</summary>
    public EndpointOptions Http { get; set; } = new() { Port = 8080 };

    /// <summary>HTTP/2 cleartext: gRPC. Kestrel cannot offer HTTP/1.1 and h2c on one port without TLS.</summary>
    public EndpointOptions Grpc { get; set; } = new() { Port = 8081 };
}

/// <summary>One listening port.</summary>
public sealed class EndpointOptions
{
    /// <summary>The TCP port.</summary>
    [Range(1, 65535)]
    public int Port { get; set; }
}
