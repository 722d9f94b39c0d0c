using System.Net;
using System.Net.Sockets;

namespace Inference.Server.Tests.Support;

/// <summary>Loopback ports for servers the tests start.</summary>
internal static class Ports
{
    /// <summary>A loopback port free now (the OS picks it; another process taking it first is unlikely).</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
