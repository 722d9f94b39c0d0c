using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Inference.Tests.Shared;

/// <summary>
/// A real <c>redis-server</c> on a free loopback port, which a test can stop and start again. Shared by the access
/// library's tests and the server's (linked into both projects); <c>make test</c> installs redis-server when missing.
/// </summary>
internal sealed class RedisServer : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(10);

    private Process? _process;

    private RedisServer(int port) => Port = port;

    public int Port { get; }

    /// <summary>The StackExchange.Redis configuration string for this server.</summary>
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
        var server = new RedisServer(Ports.Free());
        await server.RestartAsync();
        return server;
    }

    /// <summary>Starts the server (again) on the same port, with no persistence: a restart begins empty.</summary>
    public async Task RestartAsync()
    {
        var executable = FindExecutable()
            ?? throw new InvalidOperationException("redis-server is not installed: `make test-deps` installs it (apt-get install redis-server).");
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

        var watch = Stopwatch.StartNew();
        while (!await AcceptsConnectionsAsync())
        {
            if (watch.Elapsed > StartTimeout)
            {
                throw new InvalidOperationException($"redis-server did not listen on port {Port} within {StartTimeout.TotalSeconds} s.");
            }

            await Task.Delay(25);
        }
    }

    /// <summary>Freezes the server (SIGSTOP): connections stay open and nothing is answered, as with a hung Redis.
    /// Dispose the result to let it run again (SIGCONT).</summary>
    public IDisposable Freeze()
    {
        var pid = _process?.Id ?? throw new InvalidOperationException("redis-server is not running.");
        Signal("-STOP", pid);
        return new Thaw(pid);
    }

    private static void Signal(string signal, int pid)
    {
        using var kill = Process.Start("kill", [signal, pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    public async Task StopAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync().WaitAsync(StartTimeout);
        }

        _process?.Dispose();
        _process = null;
    }

    public void Dispose() => StopAsync().GetAwaiter().GetResult();

    private async Task<bool> AcceptsConnectionsAsync()
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, Port).WaitAsync(StartTimeout);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private sealed class Thaw(int pid) : IDisposable
    {
        public void Dispose() => Signal("-CONT", pid);
    }
}
