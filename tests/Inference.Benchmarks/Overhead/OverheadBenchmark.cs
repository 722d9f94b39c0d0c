using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Inference.Contracts.V1;
using Inference.Engine;
using Inference.Engine.Models;
using Inference.Tests.Shared;
using WireChatMessage = Inference.Contracts.V1.ChatMessage;

namespace Inference.Benchmarks.Overhead;

/// <summary>
/// Issue 6's suite: the service against the best it could be, each comparison a ratio of two measurements taken in
/// this run. The real server (its Release build) and a bare baseline server run as child processes pinned to one
/// core; the load generators (wrk, the gRPC driver, and this process) run on the other. A and B alternate, medians.
/// </summary>
internal static class OverheadBenchmark
{
    private const string Title = "Service overhead (issue 6)";

    private const int ServerCore = 0;
    private const int LoadCore = 1;
    private const int UnaryConnections = 16;

    // The gRPC tax is measured twice. With the .NET driver at 16 callers neither server is saturated: the driver's one
    // core and the round trips set the pace, which flatters the slower side. With h2load at 64 streams both servers
    // fill their core, so the ratio is the ratio of their capacities.
    private const int CapacityStreams = 64;
    private const string ChatCompleteMethod = "/inference.v1.InferenceService/ChatComplete";
    private const int StreamConnections = 4;
    private const int UnaryTokens = 16;
    private const int StreamTokens = 256;
    private const int DecodeTokens = 128;
    private const string Synthetic = "synthetic";
    private const string TinyChat = "tiny-chat";

    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(Setting("BENCH_SECONDS", 5));
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(5);

    // A server pinned to one core reaches its optimised code late: the runtime waits for a pause in new tier-0
    // compilation before it counts calls, and on a single processor that pause is ten times longer (1 s, the runtime's
    // TC_DelaySingleProcMultiplier); under steady load new methods keep restarting it. The real server took ~40 s to
    // reach steady state here. Each side warms up in WarmUp runs until two in a row agree within WarmUpTolerance, at most this long.
    private static readonly TimeSpan MaxWarmUp = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ServerWarmUp = TimeSpan.FromSeconds(20);
    private const double WarmUpTolerance = 0.05;

    internal static string WarmUpDescription =>
        $"a warm-up of each side ({WarmUp.TotalSeconds} s runs until two in a row agree within {WarmUpTolerance * 100:F0}%, at most {MaxWarmUp.TotalSeconds} s)";
    private static readonly int Rounds = Setting("BENCH_ROUNDS", 5);

    // The decode tax compares two rates a few percent apart on a shared machine whose speed was seen to double between
    // one 5 s run and the next. The same time in rounds five times as many and five times as short keeps each pair of
    // runs under the same conditions, and the median of 25 pairs holds still where the median of 5 did not.
    private static readonly int DecodeRounds = Rounds * 5;
    private static readonly TimeSpan DecodeDuration = Duration / 5;
    private static readonly string UnaryJson =
        $"{{\"model\":\"{Synthetic}\",\"messages\":[{{\"role\":\"user\",\"content\":\"Say something short.\"}}],\"max_tokens\":{UnaryTokens}}}";
    private static readonly string StreamJson =
        $"{{\"model\":\"{Synthetic}\",\"messages\":[{{\"role\":\"user\",\"content\":\"Say something long.\"}}],\"max_tokens\":{StreamTokens},\"stream\":true}}";
    private static readonly string DecodePrompt = string.Join(", ", Enumerable.Range(1, 60));

    public static async Task RunAsync(MarkdownReport report)
    {
        if (!Wrk.IsInstalled())
        {
            throw new InvalidOperationException(Wrk.InstallHint);
        }

        if (!H2Load.IsInstalled())
        {
            throw new InvalidOperationException(H2Load.InstallHint);
        }

        if (!OperatingSystem.IsLinux() || Environment.ProcessorCount < 2)
        {
            throw new InvalidOperationException("The overhead suite needs Linux (taskset) and 2 cores: one for the servers, one for the load.");
        }

        // Everything this process runs (the gRPC driver, the in-process engine) stays off the servers' core;
        // children start with this affinity and taskset moves the servers.
        string work = Directory.CreateTempSubdirectory("inference-bench-").FullName;
        try
        {
            await ThisProcess.OnCoreAsync(LoadCore, () => RunComparisonsAsync(report, work)).ConfigureAwait(false);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task RunComparisonsAsync(MarkdownReport report, string work)
    {
        int serverHttp = Ports.Free(), serverGrpc = Ports.Free();
        Console.WriteLine($"overhead: server {ServerDll()} on core {ServerCore}; load on core {LoadCore}; " +
            $"{Rounds} rounds of {Duration.TotalSeconds} s per side (the decode tax: {DecodeRounds} of {DecodeDuration.TotalSeconds} s), A first then B first in turn, after {WarmUpDescription}");
        using var server = await PinnedProcess.StartAsync("server", ServerCore,
        [
            ServerDll(), "--Inference:Host=127.0.0.1",
            $"--Inference:Http:Port={serverHttp}", $"--Inference:Grpc:Port={serverGrpc}",
            $"--Inference:Models:0:Id={TinyChat}", "--Inference:Models:0:Path=models/tiny-chat", "--Inference:Models:0:IntraOpThreads=1",
            $"--Inference:Models:1:Id={Synthetic}", "--Inference:Models:1:Synthetic:TokensPerSecond=0",
            BenchmarkKey.ServerArgument,
            .. ExtraServerArguments(),
        ], [serverHttp, serverGrpc]).ConfigureAwait(false);

        using var http = new HttpClient(BenchmarkKey.Sending(new SocketsHttpHandler())) { BaseAddress = new Uri($"http://127.0.0.1:{serverHttp}") };
        using var serverChannel = GrpcLoad.Channel(serverGrpc);
        var serverClient = new InferenceService.InferenceServiceClient(serverChannel);

        // The baseline answers with the real server's own bytes, so both sides move the same payloads.
        var unaryRequest = new ChatCompleteRequest
        {
            Model = Synthetic,
            Messages = { new WireChatMessage { Role = "user", Content = Value.ForString("Say something short.") } },
            MaxTokens = UnaryTokens,
        };
        var unaryResponse = await serverClient.ChatCompleteAsync(unaryRequest).ConfigureAwait(false);
        byte[] unaryJsonResponse = await PostAsync(http, UnaryJson).ConfigureAwait(false);
        string responsePb = Path.Combine(work, "response.pb"), responseJson = Path.Combine(work, "response.json");
        await File.WriteAllBytesAsync(responsePb, unaryResponse.ToByteArray()).ConfigureAwait(false);
        await File.WriteAllBytesAsync(responseJson, unaryJsonResponse).ConfigureAwait(false);
        string unaryFrame = Path.Combine(work, "request.grpc");
        await H2Load.WriteRequestAsync(unaryRequest, unaryFrame).ConfigureAwait(false);

        int baselineHttp = Ports.Free(), baselineGrpc = Ports.Free();
        using var baseline = await PinnedProcess.StartAsync("baseline", ServerCore,
        [
            Path.Combine(AppContext.BaseDirectory, "Inference.Benchmarks.dll"), BaselineServer.Command,
            baselineHttp.ToString(CultureInfo.InvariantCulture), baselineGrpc.ToString(CultureInfo.InvariantCulture), responsePb, responseJson,
        ], [baselineHttp, baselineGrpc], BaselineServer.Environment).ConfigureAwait(false);
        using var baselineChannel = GrpcLoad.Channel(baselineGrpc);
        var baselineClient = new InferenceService.InferenceServiceClient(baselineChannel);

        var rows = new List<Row>();

        // The unary calls took the longest to reach steady state (a plateau of a few seconds can come before the last
        // recompilations), so both servers get a long warm-up on them before any comparison, which then warms each
        // side as usual.
        Console.WriteLine($"\nserver warm-up, each server: {ServerWarmUp.TotalSeconds} s of unary gRPC calls, then {ServerWarmUp.TotalSeconds} s of unary REST requests");
        foreach (var (client, target, httpPort) in new[] { (serverClient, server, serverHttp), (baselineClient, baseline, baselineHttp) })
        {
            await Unary(client, target, ServerWarmUp).ConfigureAwait(false);
            await Wrk.RunAsync(LoadCore, UnaryConnections, ServerWarmUp, $"http://127.0.0.1:{httpPort}/v1/chat/completions", UnaryJson, 1, target)
                .ConfigureAwait(false);
        }

        // 1. gRPC tax.
        Console.WriteLine($"\n1. gRPC tax: unary ChatComplete ({UnaryTokens} tokens, synthetic, unthrottled) vs bare grpc-dotnet; " +
            $"driver: {UnaryConnections} concurrent callers, one HTTP/2 connection; request {unaryRequest.CalculateSize()} B, response {unaryResponse.CalculateSize()} B");
        Task<Measurement> Unary(InferenceService.InferenceServiceClient client, PinnedProcess target, TimeSpan duration) =>
            GrpcLoad.RunAsync(client, UnaryConnections, duration, async (c, ct) =>
            {
                await c.ChatCompleteAsync(unaryRequest, cancellationToken: ct).ConfigureAwait(false);
                return 1;
            }, target);
        var (a, b) = await AlternateAsync(
            d => Unary(serverClient, server, d), d => Unary(baselineClient, baseline, d), "calls/s").ConfigureAwait(false);
        rows.Add(new Row("1. gRPC tax", "unary calls/s", a, b, 0.85));
        Console.WriteLine($"\n1. gRPC tax at capacity: the same call by h2load, {CapacityStreams} concurrent streams on one HTTP/2 connection, " +
            "every answer checked to carry the response message");
        Task<Measurement> Capacity(int port, PinnedProcess target, TimeSpan duration) =>
            H2Load.RunAsync(LoadCore, CapacityStreams, duration, port, ChatCompleteMethod, unaryFrame, unaryResponse.CalculateSize(), target);
        (a, b) = await AlternateAsync(
            d => Capacity(serverGrpc, server, d), d => Capacity(baselineGrpc, baseline, d), "calls/s").ConfigureAwait(false);
        rows.Add(new Row("1. gRPC tax", $"unary calls/s at capacity (h2load, {CapacityStreams} streams)", a, b, 0.85));

        // 2. Transcoding tax.
        string wrkUnary = $"wrk -t1 -c{UnaryConnections} -d{Duration.TotalSeconds}s, POST {Encoding.UTF8.GetByteCount(UnaryJson)} B, response {unaryJsonResponse.Length} B";
        Console.WriteLine($"\n2. Transcoding tax: POST /v1/chat/completions (non-streaming) vs bare minimal API, same JSON; {wrkUnary}");
        (a, b) = await AlternateAsync(
            d => Wrk.RunAsync(LoadCore, UnaryConnections, d, $"http://127.0.0.1:{serverHttp}/v1/chat/completions", UnaryJson, 1, server),
            d => Wrk.RunAsync(LoadCore, UnaryConnections, d, $"http://127.0.0.1:{baselineHttp}/v1/chat/completions", UnaryJson, 1, baseline),
            "requests/s").ConfigureAwait(false);
        rows.Add(new Row("2. Transcoding tax", "REST requests/s", a, b, 0.70));

        // 3. Streaming cost.
        int sseTokens = await CountSseChunksAsync(http, StreamJson).ConfigureAwait(false);
        var streamRequest = unaryRequest.Clone();
        streamRequest.Messages[0].Content = Value.ForString("Say something long.");
        streamRequest.MaxTokens = StreamTokens;
        Console.WriteLine($"\n3. Streaming cost: SSE (stream: true, wrk -t1 -c{StreamConnections}, POST {Encoding.UTF8.GetByteCount(StreamJson)} B, " +
            $"{sseTokens} chunks per response) vs gRPC StreamChatComplete ({StreamConnections} concurrent callers, one connection), {StreamTokens} tokens each");
        (a, b) = await AlternateAsync(
            d => Wrk.RunAsync(LoadCore, StreamConnections, d, $"http://127.0.0.1:{serverHttp}/v1/chat/completions", StreamJson, sseTokens, server),
            d => GrpcLoad.RunAsync(serverClient, StreamConnections, d, async (c, ct) =>
            {
                using var call = c.StreamChatComplete(streamRequest, cancellationToken: ct);
                int chunks = 0;
                await foreach (var _ in call.ResponseStream.ReadAllAsync(ct).ConfigureAwait(false))
                {
                    chunks++;
                }

                return chunks;
            }, server),
            "tokens/s").ConfigureAwait(false);
        rows.Add(new Row("3. Streaming cost", "SSE vs gRPC streaming tokens/s", a, b, 0.50));
        rows.Add(new Row("3. Streaming cost", "server CPU µs per SSE token (B: per gRPC token)", a, b, 20, CpuGoal: true));

        // 4. End-to-end decode tax.
        var decodeRequest = new CompleteRequest
        {
            Model = TinyChat,
            Prompt = Value.ForString(DecodePrompt),
            MaxTokens = DecodeTokens,
            Temperature = 0,
            LogitBias = new Struct { Fields = { ["0"] = Value.ForNumber(-100), ["2"] = Value.ForNumber(-100) } },
        };
        using var registry = ModelRegistry.Load([new ModelDefinition { Id = TinyChat, Path = Path.Combine(AppContext.BaseDirectory, "models", "tiny-chat"), IntraOpThreads = 1 }]);
        registry.TryGetChatModel(TinyChat, out var engine);
        var engineRequest = new GenerationRequest
        {
            PromptTokens = engine!.Tokenize(DecodePrompt),
            MaxNewTokens = DecodeTokens,
            Sampling = SamplingOptions.Greedy with { LogitBias = new Dictionary<int, float> { [0] = -100, [2] = -100 } },
        };
        Console.WriteLine($"\n4. Decode tax: tiny-chat, prompt {engineRequest.PromptTokens.Count} tokens, {DecodeTokens} greedy tokens (EOS suppressed), " +
            $"concurrency 1, 1 intra-op thread; gRPC StreamComplete (server on core {ServerCore}) vs IChatModel.GenerateAsync in-process (this process moved to core {ServerCore} for its runs); " +
            $"requests back to back for each run, tokens/s of each from request start to last token, median per run");
        (a, b) = await AlternateAsync(
            d => DecodeAsync(d, async () =>
            {
                using var call = serverClient.StreamComplete(decodeRequest);
                int tokens = 0;
                await foreach (var chunk in call.ResponseStream.ReadAllAsync().ConfigureAwait(false))
                {
                    tokens += chunk.Choices.Count;
                }

                return tokens;
            }, server),
            d => OnServerCoreAsync(() => DecodeAsync(d, async () =>
            {
                int tokens = 0;
                await foreach (var _ in engine.GenerateAsync(engineRequest, CancellationToken.None).ConfigureAwait(false))
                {
                    tokens++;
                }

                return tokens;
            }, server: null)),
            "tokens/s", DecodeRounds, DecodeDuration).ConfigureAwait(false);
        rows.Add(new Row("4. Decode tax", "tiny-chat streamed tokens/s, concurrency 1", a, b, 0.97));

        Print(rows);
        var previous = MarkdownReport.Previous(Title);
        report.Section(
            Title,
            $"The real server (Release, child process pinned to core {ServerCore}) against the best it could be, load generators " +
            $"pinned to core {LoadCore}; a warm-up of both servers ({ServerWarmUp.TotalSeconds} s of unary gRPC, {ServerWarmUp.TotalSeconds} s of unary REST each), then " +
            $"{Rounds} rounds of {Duration.TotalSeconds} s per side (4: {DecodeRounds} rounds of {DecodeDuration.TotalSeconds} s), A first then B first in turn, after {WarmUpDescription}, " +
            $"medians (A and B: each side's median round; ratio: the median of the rounds' A/B ratios). 1: ChatComplete on the synthetic model " +
            $"(unthrottled, max_tokens {UnaryTokens}), request {unaryRequest.CalculateSize()} B, response {unaryResponse.CalculateSize()} B, " +
            $"vs a bare grpc-dotnet service returning that response; by the gRPC driver (Grpc.Net.Client, {UnaryConnections} concurrent callers on one HTTP/2 connection), " +
            $"then at capacity by h2load ({CapacityStreams} concurrent streams on one connection, the same request bytes; every answer checked to carry the response message). 2: {wrkUnary}, vs a bare minimal-API endpoint returning the same bytes. " +
            $"3: {StreamTokens}-token streams, SSE by wrk -t1 -c{StreamConnections} vs gRPC StreamChatComplete by the driver with {StreamConnections} callers; " +
            "server CPU is user+system time of the server process over the run. 4: tiny-chat, " +
            $"{DecodeTokens} greedy tokens at concurrency 1 through gRPC StreamComplete vs the engine in-process (its runs on core {ServerCore} too), requests back to back for each run (median of per-request tokens/s). " +
            "A is the service, B the baseline; \"previous run\" is the ratio the previous run of this section measured (before and after a change); \"runs\" lists every round (A / B).",
            ["comparison", "measure", "A: service", "B: baseline", "ratio", "goal", "verdict", "previous run", "runs"],
            rows.Select(r => r.Cells(previous)));
    }

    /// <summary>BENCH_SERVER_ARGS: more configuration for the real server (e.g. a log level), space separated.</summary>
    private static string[] ExtraServerArguments() =>
        Environment.GetEnvironmentVariable("BENCH_SERVER_ARGS")?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [];

    /// <summary>Requests back to back for <paramref name="duration"/>; the median of their tokens/s. Server CPU only
    /// when the tokens came from the server.</summary>
    private static async Task<Measurement> DecodeAsync(TimeSpan duration, Func<Task<int>> generate, PinnedProcess? server)
    {
        var rates = new List<double>();
        var cpuBefore = server?.CpuTime ?? TimeSpan.Zero;
        long tokens = 0;
        var run = Stopwatch.StartNew();
        while (run.Elapsed < duration)
        {
            var watch = Stopwatch.StartNew();
            int count = await generate().ConfigureAwait(false);
            rates.Add(count / watch.Elapsed.TotalSeconds);
            tokens += count;
            if (count != DecodeTokens)
            {
                throw new InvalidOperationException($"expected {DecodeTokens} tokens, got {count}");
            }
        }

        double cpu = server is null ? double.NaN : (server.CpuTime - cpuBefore).TotalMilliseconds * 1000 / tokens;
        return new Measurement(Median(rates), rates.Count, cpu);
    }

    /// <summary>
    /// Runs <paramref name="run"/> with every thread of this process (the engine's decoding thread included) on the
    /// server's core, so an in-process baseline gets the same core the server gets, not the load generator's: the two
    /// cores of a shared machine are not equally fast.
    /// </summary>
    private static async Task<Measurement> OnServerCoreAsync(Func<Task<Measurement>> run)
    {
        await ThisProcess.MoveToAsync(ServerCore).ConfigureAwait(false);
        try
        {
            return await run().ConfigureAwait(false);
        }
        finally
        {
            await ThisProcess.MoveToAsync(LoadCore).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Warms both sides up, then runs rounds of one A run and one B run back to back, A first in odd rounds and B first
    /// in even ones (A B, B A, A B...): a machine that drifts faster or slower over a round then favours neither side
    /// across rounds. Prints every round.
    /// </summary>
    internal static async Task<(List<Measurement> A, List<Measurement> B)> AlternateAsync(
        Func<TimeSpan, Task<Measurement>> a, Func<TimeSpan, Task<Measurement>> b, string unit, int? rounds = null, TimeSpan? duration = null)
    {
        await WarmUpAsync("A", a, unit).ConfigureAwait(false);
        await WarmUpAsync("B", b, unit).ConfigureAwait(false);
        var resultsA = new List<Measurement>();
        var resultsB = new List<Measurement>();
        var each = duration ?? Duration;
        for (int round = 0; round < (rounds ?? Rounds); round++)
        {
            bool aFirst = round % 2 == 0;
            var first = await (aFirst ? a : b)(each).ConfigureAwait(false);
            var second = await (aFirst ? b : a)(each).ConfigureAwait(false);
            resultsA.Add(aFirst ? first : second);
            resultsB.Add(aFirst ? second : first);
            Console.WriteLine($"   round {round + 1}{(aFirst ? "" : " (B first)")}: A {Fmt(resultsA[^1].Rate)} {unit} ({Fmt(resultsA[^1].CpuMicrosPerUnit)} µs CPU each) | " +
                $"B {Fmt(resultsB[^1].Rate)} {unit} ({Fmt(resultsB[^1].CpuMicrosPerUnit)} µs CPU each)");
        }

        return (resultsA, resultsB);
    }

    private static async Task WarmUpAsync(string side, Func<TimeSpan, Task<Measurement>> run, string unit)
    {
        double previous = (await run(WarmUp).ConfigureAwait(false)).Rate;
        var warmed = WarmUp;
        while (warmed < MaxWarmUp)
        {
            double rate = (await run(WarmUp).ConfigureAwait(false)).Rate;
            warmed += WarmUp;
            if (Math.Abs(rate - previous) <= WarmUpTolerance * previous)
            {
                break;
            }

            previous = rate;
        }

        Console.WriteLine($"   warm-up {side}: {warmed.TotalSeconds} s, last {Fmt(previous)} {unit}");
    }

    internal static void Print(List<Row> rows)
    {
        Console.WriteLine();
        Console.WriteLine($"{"comparison",-20}{"measure",-50}{"A: service",12}{"B: baseline",13}{"ratio",9}{"goal",13}  verdict");
        foreach (var row in rows)
        {
            var cells = row.Cells();
            Console.WriteLine($"{cells[0],-20}{cells[1],-50}{cells[2],12}{cells[3],13}{cells[4],9}{cells[5],13}  {cells[6]}");
        }
    }

    private static async Task<byte[]> PostAsync(HttpClient http, string json)
    {
        using var content = new StringContent(json, new MediaTypeHeaderValue("application/json"));
        using var response = await http.PostAsync(new Uri("/v1/chat/completions", UriKind.Relative), content).ConfigureAwait(false);
        byte[] body = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST /v1/chat/completions: {(int)response.StatusCode} {Encoding.UTF8.GetString(body)}");
        }

        return body;
    }

    /// <summary>Counts the token chunks of one SSE response, so tokens/s counts what was really sent.</summary>
    private static async Task<int> CountSseChunksAsync(HttpClient http, string json)
    {
        string text = Encoding.UTF8.GetString(await PostAsync(http, json).ConfigureAwait(false));
        int events = text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Count(e => e.StartsWith("data: {", StringComparison.Ordinal));
        if (events != StreamTokens || !text.EndsWith("data: [DONE]\n\n", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"expected {StreamTokens} chunks then [DONE], got {events}: {text[..Math.Min(text.Length, 300)]}");
        }

        return events;
    }

    /// <summary>The server's own build output, same configuration as this binary (built by the ProjectReference).</summary>
    internal static string ServerDll()
    {
        string project = MarkdownReport.ProjectFolder();
        string output = Path.GetRelativePath(project, AppContext.BaseDirectory);
        return Path.GetFullPath(Path.Combine(project, "..", "..", "src", "Inference.Server", output, "Inference.Server.dll"));
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string Fmt(double value) =>
        double.IsNaN(value) ? "n/a" : MarkdownReport.Format(value, value >= 100 ? "F0" : "F1");

    internal static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), CultureInfo.InvariantCulture, out int value) && value > 0 ? value : fallback;

    /// <summary>One line of the table. A ratio row compares rates (higher is better, goal a minimum ratio); a CPU
    /// row shows server CPU per unit (lower is better, goal a maximum in microseconds).</summary>
    internal sealed record Row(string Comparison, string Measure, List<Measurement> A, List<Measurement> B, double Goal, bool CpuGoal = false)
    {
        public string[] Cells()
        {
            if (CpuGoal)
            {
                double cpuA = Median(A.Select(m => m.CpuMicrosPerUnit)), cpuB = Median(B.Select(m => m.CpuMicrosPerUnit));
                return [Comparison, Measure, Fmt(cpuA) + " µs", Fmt(cpuB) + " µs", "-", $"<= {Fmt(Goal)} µs",
                    cpuA <= Goal ? "met" : "MISSED", Runs(m => m.CpuMicrosPerUnit)];
            }

            // The ratio is the median of the rounds' own ratios: each round runs A then B back to back, so a shared
            // machine that slows down between rounds moves both sides of a round, not one side of the medians.
            double a = Median(A.Select(m => m.Rate)), b = Median(B.Select(m => m.Rate));
            double ratio = Median(A.Zip(B, (x, y) => x.Rate / y.Rate));
            return [Comparison, Measure, Fmt(a), Fmt(b), MarkdownReport.Format(ratio * 100, "F0") + "%",
                $">= {MarkdownReport.Format(Goal * 100, "F0")}%", ratio >= Goal ? "met" : "MISSED", Runs(m => m.Rate)];
        }

        /// <summary>The table's cells: <see cref="Cells()"/> and, before the runs, the same figure from the previous run
        /// of the section (the ratio, or the service's CPU per unit), so each run records before and after.</summary>
        public string[] Cells(MarkdownReport.PreviousSection? previous)
        {
            var cells = Cells();
            int figure = CpuGoal ? 2 : 4;
            string before = previous?.Cell(figure, Comparison, Measure) is { } value ? $"{value} ({previous.Written})" : "-";
            return [.. cells[..^1], before, cells[^1]];
        }

        private string Runs(Func<Measurement, double> value) =>
            string.Join(", ", A.Zip(B, (x, y) => $"{Fmt(value(x))} / {Fmt(value(y))}"));
    }
}
