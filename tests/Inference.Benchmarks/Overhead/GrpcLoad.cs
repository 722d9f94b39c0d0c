using System.Diagnostics;
using Grpc.Net.Client;
using Inference.Contracts.V1;

namespace Inference.Benchmarks.Overhead;

/// <summary>
/// The gRPC load generator: <c>callers</c> concurrent loops over one channel (one HTTP/2 connection, as a typical
/// client has), each calling as fast as answers come for a fixed time. A call returns how many units it
/// completed (1 for a unary call, the streamed token count for a stream).
/// </summary>
internal static class GrpcLoad
{
    /// <summary>A channel to the port whose calls carry <paramref name="key"/> (the benchmark key by default).</summary>
    public static GrpcChannel Channel(int port, string key = BenchmarkKey.Value) => GrpcChannel.ForAddress(
        $"http://127.0.0.1:{port}",
        new GrpcChannelOptions
        {
            HttpHandler = BenchmarkKey.Sending(new SocketsHttpHandler { EnableMultipleHttp2Connections = false }, key),
            MaxReceiveMessageSize = 16 * 1024 * 1024,
        });

    public static async Task<Measurement> RunAsync(
        InferenceService.InferenceServiceClient client, int callers, TimeSpan duration,
        Func<InferenceService.InferenceServiceClient, CancellationToken, Task<int>> call, PinnedProcess server)
    {
        using var stop = new CancellationTokenSource();
        long units = 0;
        long calls = 0;
        long allUnits = 0;
        var cpuBefore = server.CpuTime;
        var watch = Stopwatch.StartNew();
        var loops = new Task[callers];
        for (int i = 0; i < callers; i++)
        {
            loops[i] = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    // Calls run to completion (no cancellation) so every counted unit was fully delivered.
                    int done = await call(client, CancellationToken.None).ConfigureAwait(false);
                    Interlocked.Add(ref allUnits, done);
                    if (watch.Elapsed > duration)
                    {
                        return;
                    }

                    Interlocked.Add(ref units, done);
                    Interlocked.Increment(ref calls);
                }
            });
        }

        stop.CancelAfter(duration);
        await Task.WhenAll(loops).ConfigureAwait(false);
        // The rate counts calls finished inside the window; the server's CPU covers the calls still in flight at
        // its end too, so it is shared over every unit served.
        var cpu = server.CpuTime - cpuBefore;
        return new Measurement(units / duration.TotalSeconds, calls, cpu.TotalMilliseconds * 1000 / Math.Max(allUnits, 1));
    }
}
