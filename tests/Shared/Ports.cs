using System.Net;
using System.Net.Sockets;

namespace Inference.Tests.Shared;

/// <summary>Loopback ports for servers the tests start.</summary>
internal static class Ports
{
    private static readonly HashSet<int> HandedOut = [];

    /// <summary>
    /// A loopback port free now, never one this process was given before: the OS may offer a port it just gave back,
    /// so two calls in a row (a server's HTTP and gRPC ports) could otherwise get the same one. Another process
    /// taking the port first remains possible and unlikely.
    /// </summary>
    public static int Free()
    {
        lock (HandedOut)
        {
            while (true)
            {
                using var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                int port = ((IPEndPoint)listener.LocalEndpoint).Port;
                if (HandedOut.Add(port))
                {
                    return port;
                }
            }
        }
    }
}
