using Inference.Tests.Shared;
using System.Diagnostics;
using System.Text;

namespace Inference.Server.Tests.Support;

/// <summary>
/// The real server as a separate process (<c>dotnet Inference.Server.dll</c>, built beside the tests), for what one
/// process cannot show: replicas sharing a budget, a SIGKILL. Its output is kept for failure messages.
/// </summary>
internal sealed class ServerProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServerProcess(Process process, int httpPort, int grpcPort)
    {
        _process = process;
        HttpAddress = new Uri($"http://127.0.0.1:{httpPort}");
        GrpcAddress = new Uri($"http://127.0.0.1:{grpcPort}");
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public Uri HttpAddress { get; }

    public Uri GrpcAddress { get; }

    public bool HasExited => _process.HasExited;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts the server on free loopback ports with <paramref name="arguments"/> and waits until /health answers.</summary>
    public static async Task<ServerProcess> StartAsync(IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        int httpPort = Ports.Free(), grpcPort = Ports.Free();
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Inference.Server.dll"));
        foreach (var argument in (string[])["--Inference:Host=127.0.0.1", $"--Inference:Http:Port={httpPort}", $"--Inference:Grpc:Port={grpcPort}", .. arguments])
        {
            start.ArgumentList.Add(argument);
        }

        // The child must not inherit a key from the developer's shell: each test configures exactly what it means.
        start.Environment.Remove("INFERENCE_API_KEY");
        start.Environment.Remove("INFERENCE_KEYS_DB");
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var server = new ServerProcess(Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start"), httpPort, grpcPort);
        try
        {
            await server.WaitUntilHealthyAsync(TimeSpan.FromSeconds(60));
        }
        catch
        {
            server.Dispose();
            throw;
        }

        return server;
    }

    /// <summary>SIGKILL: no shutdown, no flush, no finaliser.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(10_000);
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private async Task WaitUntilHealthyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { BaseAddress = HttpAddress, Timeout = TimeSpan.FromSeconds(2) };
        var watch = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"the server exited with {_process.ExitCode} before it was healthy:\n{Output}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri("/health", UriKind.Relative));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Listening but not answering yet.
            }

            if (watch.Elapsed > timeout)
            {
                throw new TimeoutException($"the server was not healthy within {timeout.TotalSeconds} s:\n{Output}");
            }

            await Task.Delay(50);
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
