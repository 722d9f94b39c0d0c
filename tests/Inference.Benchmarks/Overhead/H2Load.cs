using System.Globalization;
using System.Text.RegularExpressions;
using Google.Protobuf;

namespace Inference.Benchmarks.Overhead;

/// <summary>
/// The gRPC load generator that can fill the server's core: <c>h2load</c> (nghttp2's HTTP/2 benchmarking tool, Debian
/// package <c>nghttp2-client</c>) pinned to the load core, sending one unary call's framed request over one connection
/// with many concurrent streams. A .NET client on the load core tops out near the rate the servers answer at, so the
/// driver's figures are partly the client's; h2load costs a fraction of that per call. It knows HTTP/2, not gRPC: a
/// failed call is still a 200 (the status is in the trailers), but it carries no message, so every run checks that
/// the DATA bytes received are exactly one framed response per call.
/// </summary>
internal static partial class H2Load
{
    public const string InstallHint = "h2load is not installed: apt-get update && apt-get install -y nghttp2-client";

    // A gRPC message on the wire: a compressed flag byte and a 4-byte big-endian length, then the message.
    private const int FramePrefix = 5;

    public static bool IsInstalled() => LoadTool.IsInstalled("h2load");

    /// <summary>Writes <paramref name="request"/> as h2load sends it: one uncompressed gRPC frame.</summary>
    public static async Task WriteRequestAsync(IMessage request, string path)
    {
        var message = request.ToByteArray();
        var frame = new byte[FramePrefix + message.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(1), message.Length);
        message.CopyTo(frame, FramePrefix);
        await File.WriteAllBytesAsync(path, frame).ConfigureAwait(false);
    }

    /// <summary>Runs h2load for <paramref name="duration"/>: unary calls of <paramref name="method"/> (a path such as
    /// <c>/inference.v1.InferenceService/ChatComplete</c>) with the framed request in <paramref name="requestFile"/>,
    /// each of which must answer with a <paramref name="responseBytes"/>-byte message.</summary>
    public static async Task<Measurement> RunAsync(
        int core, int streams, TimeSpan duration, int port, string method, string requestFile, int responseBytes, PinnedProcess server)
    {
        var run = await LoadTool.RunAsync(core,
        [
            "h2load", "-t1", "-c1",
            "-m", streams.ToString(CultureInfo.InvariantCulture),
            "-D", ((int)duration.TotalSeconds).ToString(CultureInfo.InvariantCulture),
            "-d", requestFile,
            "-H", "content-type: application/grpc", "-H", "te: trailers", "-H", $"authorization: Bearer {BenchmarkKey.Value}",
            $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}{method}",
        ], server).ConfigureAwait(false);
        string output = run.Output;
        var finished = FinishedLine().Match(output);
        var requests = RequestsLine().Match(output);
        var traffic = DataBytes().Match(output);
        if (run.ExitCode != 0 || !finished.Success || !requests.Success || !traffic.Success)
        {
            throw new InvalidOperationException($"h2load failed against port {port}:\n{output}\n{run.Errors}");
        }

        long done = Count(requests, "done"), succeeded = Count(requests, "succeeded");
        long failed = Count(requests, "failed"), errored = Count(requests, "errored");
        long data = long.Parse(traffic.Groups[1].Value, CultureInfo.InvariantCulture);
        if (succeeded == 0 || succeeded != done || failed != 0 || errored != 0 || data != succeeded * (FramePrefix + responseBytes))
        {
            throw new InvalidOperationException(
                $"h2load saw failed calls against port {port} ({succeeded} of {done} succeeded over HTTP, {data} data bytes " +
                $"where every call answering a {responseBytes}-byte message makes {succeeded * (FramePrefix + responseBytes)}):\n{output}");
        }

        double seconds = double.Parse(finished.Groups[1].Value, CultureInfo.InvariantCulture);
        return new Measurement(succeeded / seconds, succeeded, run.ServerCpu.TotalMilliseconds * 1000 / succeeded);
    }

    private static long Count(Match requests, string group) => long.Parse(requests.Groups[group].Value, CultureInfo.InvariantCulture);

    // "finished in 5.00s, 68405.33 req/s, 13.4MB/s"
    [GeneratedRegex(@"finished in ([\d.]+)s,")]
    private static partial Regex FinishedLine();

    // "requests: 342027 total, 342091 started, 342027 done, 342027 succeeded, 0 failed, 0 errored, 0 timeout"
    [GeneratedRegex(@"requests: \d+ total, \d+ started, (?<done>\d+) done, (?<succeeded>\d+) succeeded, (?<failed>\d+) failed, (?<errored>\d+) errored")]
    private static partial Regex RequestsLine();

    // "traffic: 19.18MB (20114465) total, 327.52KB (335381) headers (space savings 95.24%), 16.62MB (17432272) data"
    [GeneratedRegex(@"\((\d+)\) data")]
    private static partial Regex DataBytes();
}
