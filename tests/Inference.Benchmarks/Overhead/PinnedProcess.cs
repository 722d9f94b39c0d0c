using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Inference.Benchmarks.Overhead;

/// <summary>
/// A server under test: a child process pinned with <c>taskset</c> to its own core, so it never competes with the
/// load generator for CPU. Its CPU time is read from the process (taskset execs, so the pid is the server's).
/// </summary>
internal sealed class PinnedProcess : IDisposable
{
    private readonly Process _process;
    private readonly Queue<string> _lastLines = new();

    private PinnedProcess(string name, Process process)
    {
        Name = name;
        _process = process;
        _process.OutputDataReceived += (_, e) => Remember(e.Data);
        _process.ErrorDataReceived += (_, e) => Remember(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Name { get; }

    /// <summary>User plus system CPU time the server has used so far.</summary>
    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    /// <summary>Starts <c>taskset -c core dotnet arguments...</c> (with <paramref name="environment"/> added to this
    /// process's) and waits until every port accepts connections.</summary>
    public static async Task<PinnedProcess> StartAsync(
        string name, int core, IReadOnlyList<string> arguments, IReadOnlyList<int> ports, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("taskset")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (variable, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[variable] = value;
        }

        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(core.ToString(System.Globalization.CultureInfo.InvariantCulture));
        start.ArgumentList.Add("dotnet");
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var server = new PinnedProcess(name, Process.Start(start) ?? throw new InvalidOperationException($"could not start {name}"));
        try
        {
            foreach (int port in ports)
            {
                await server.WaitForPortAsync(port, TimeSpan.FromSeconds(90)).ConfigureAwait(false);
            }
        }
        catch
        {
            server.Dispose();
            throw;
        }

        return server;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
    }

    private async Task WaitForPortAsync(int port, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with {_process.ExitCode} before listening:\n{LastLines()}");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port).ConfigureAwait(false);
                return;
            }
            catch (SocketException) when (deadline.Elapsed < timeout)
            {
                await Task.Delay(100).ConfigureAwait(false);
            }
            catch (SocketException)
            {
                throw new TimeoutException($"{Name} did not listen on {port} within {timeout.TotalSeconds} s:\n{LastLines()}");
            }
        }
    }

    private void Remember(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lastLines)
        {
            _lastLines.Enqueue(line);
            if (_lastLines.Count > 30)
            {
                _lastLines.Dequeue();
            }
        }
    }

    private string LastLines()
    {
        lock (_lastLines)
        {
            var text = new StringBuilder();
            foreach (string line in _lastLines)
            {
                text.AppendLine(line);
            }

            return text.ToString();
        }
    }
}
