using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Inference.Access.Tests.Infrastructure;

/// <summary>A real <c>redis-server</c> on a free loopback port, which a test can stop and start again.</summary>
internal sealed class RedisServer : IDisposable
{
    private Process? _process;

    private RedisServer(int port) => Port = port;

    public int Port { get; }

    public string Configuration => $"127.0.0.1:{Port}";

    public static string? FindExecutable()
    {
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':'))
        {
            var candidate = Path.Combine(directory, "redis-server");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return File.Exists("/usr/bin/redis-server") ? "/usr/bin/redis-server" : null;
    }

    public static async Task<RedisServer> StartAsync()
    {
        var server = new RedisServer(FreePort());
        await server.RestartAsync();
        return server;
    }

    public async Task RestartAsync()
    {
        var executable = FindExecutable() ?? throw new InvalidOperationException("redis-server is not installed.");
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no" })
        {
            start.ArgumentList.Add(arg);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var ready = await TestTimeouts.Eventually(async () =>
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(10));
        if (!ready)
        {
            throw new InvalidOperationException($"redis-server did not listen on port {Port}.");
        }
    }

    public async Task StopAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync().DefaultTimeout();
        }

        _process?.Dispose();
        _process = null;
    }

    public void Dispose() => StopAsync().GetAwaiter().GetResult();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
