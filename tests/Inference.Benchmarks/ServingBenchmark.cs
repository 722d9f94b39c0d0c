using System.Diagnostics;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using Inference.Contracts.V1;
using Inference.Engine;
using Inference.Server.Hosting;
using Inference.Tests.Shared;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Inference.Benchmarks;

/// <summary>
/// Issue 4's benchmark: the real server (built in-process by <see cref="InferenceServerHost"/>, as Program builds it)
/// driven over gRPC with <c>StreamComplete</c> at concurrency 1, 4, 8 and 16, side by side with the same model
/// called directly (<see cref="IChatModel.GenerateAsync"/> on the server's own registry, so both sides share one
/// scheduler and session). Each wave has <c>c</c> callers, each running its share of <see cref="StreamsPerWave"/>
/// greedy streams of <see cref="NewTokens"/> tokens (end of sequence suppressed) back to back; rounds alternate
/// service and engine waves; tokens/s is the median over rounds, latencies
/// are pooled over every stream of every round.
/// </summary>
internal static class ServingBenchmark
{
    private const int Threads = 1;
    private const int NewTokens = 128;
    private const int Rounds = 5;

    // Streams per wave, split among its callers (each runs its share back to back): a wave at concurrency 1 lasts
    // about two seconds rather than one 60 ms stream, so one hiccup of a shared machine cannot decide a round.
    private const int StreamsPerWave = 32;
    private static readonly int[] Concurrency = [1, 4, 8, 16];

    public static async Task RunAsync(MarkdownReport report)
    {
        var (httpPort, grpcPort) = (Ports.Free(), Ports.Free());
        var builder = InferenceServerHost.CreateBuilder(
        [
            "--Inference:Host=127.0.0.1",
            $"--Inference:Http:Port={httpPort}",
            $"--Inference:Grpc:Port={grpcPort}",
            "--Inference:Models:0:Id=tiny-chat",
            "--Inference:Models:0:Path=models/tiny-chat",
            "--Inference:Models:0:Kind=chat",
            $"--Inference:Models:0:IntraOpThreads={Threads}",
            BenchmarkKey.ServerArgument,
        ]);
        builder.Logging.ClearProviders();
        await using var app = InferenceServerHost.Build(builder);
        await app.StartAsync();
        try
        {
            app.Services.GetRequiredService<IModelRegistry>().TryGetChatModel("tiny-chat", out var model);
            using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{grpcPort}", new GrpcChannelOptions { HttpHandler = BenchmarkKey.Sending(new SocketsHttpHandler()) });
            var client = new InferenceService.InferenceServiceClient(channel);
            await RunSuiteAsync(report, model!, client);
        }
        finally
        {
            await app.StopAsync();
        }
    }

    private static async Task RunSuiteAsync(MarkdownReport report, IChatModel model, InferenceService.InferenceServiceClient client)
    {
        var prompts = Enumerable.Range(0, Concurrency.Max()).Select(Prompt).ToArray();
        Console.WriteLine($"serving: tiny-chat, {NewTokens} new tokens per stream, {Threads} intra-op thread(s), {Rounds} alternating rounds, concurrency {string.Join('/', Concurrency)}");

        // Warm-up to steady state on both paths: JIT up to the optimised tier (a method is recompiled after 30
        // calls and a delay), connections and HTTP/2 windows, ONNX Runtime's first runs at each batch size.
        for (int i = 0; i < 1; i++)
        {
            foreach (int c in Concurrency)
            {
                await ServiceWave(client, prompts, c);
                await EngineWave(model, prompts, c);
            }
        }

        var results = new List<(int C, Summary Service, Summary Engine)>();
        foreach (int c in Concurrency)
        {
            var service = new List<Wave>();
            var engine = new List<Wave>();
            for (int round = 0; round < Rounds; round++)
            {
                service.Add(await ServiceWave(client, prompts, c));
                engine.Add(await EngineWave(model, prompts, c));
            }

            results.Add((c, Summary.Of(service), Summary.Of(engine)));
            Console.WriteLine($"  c={c}: service {MarkdownReport.Format(results[^1].Service.TokensPerSecond, "F0")} tok/s, engine {MarkdownReport.Format(results[^1].Engine.TokensPerSecond, "F0")} tok/s");
        }

        var header = new[]
        {
            "concurrency", "service tok/s", "engine tok/s", "service/engine",
            "service TTFT p50/p95 ms", "engine TTFT p50/p95 ms", "service ITL p50/p95 ms", "engine ITL p50/p95 ms",
        };
        var rows = results.Select(r => (IReadOnlyList<string>)
        [
            r.C.ToString(System.Globalization.CultureInfo.InvariantCulture),
            MarkdownReport.Format(r.Service.TokensPerSecond, "F0"),
            MarkdownReport.Format(r.Engine.TokensPerSecond, "F0"),
            MarkdownReport.Format(r.Service.TokensPerSecond / r.Engine.TokensPerSecond, "F2") + "x",
            Pair(r.Service.FirstToken), Pair(r.Engine.FirstToken), Pair(r.Service.TokenGap), Pair(r.Engine.TokenGap),
        ]).ToList();

        Console.WriteLine();
        Console.WriteLine(string.Join(" | ", header));
        foreach (var row in rows)
        {
            Console.WriteLine(string.Join(" | ", row));
        }

        double scaling = results.Single(r => r.C == 8).Service.TokensPerSecond / results.Single(r => r.C == 1).Service.TokensPerSecond;
        double overhead = results.Single(r => r.C == 1).Service.TokensPerSecond / results.Single(r => r.C == 1).Engine.TokensPerSecond;
        string ratios =
            $"service c8 vs c1: {MarkdownReport.Format(scaling, "F2")}x (goal >= 2x); " +
            $"service c1 vs engine c1: {MarkdownReport.Format(overhead * 100, "F1")}% (goal >= 95%)";
        Console.WriteLine();
        Console.WriteLine(ratios);

        report.Section(
            "Serving: gRPC StreamComplete vs the engine called directly (issue 4)",
            $"tiny-chat, {NewTokens} tokens per stream generated greedily with EOS suppressed, {Threads} intra-op thread, " +
            $"distinct prompts, {Rounds} alternating rounds per concurrency, each wave {StreamsPerWave} streams split among " +
            $"its c callers (each runs its share back to back); tokens/s is the aggregate over the wave (median of rounds); TTFT and inter-token latency (ITL) are pooled over all streams. {ratios}.",
            header,
            rows);
    }

    private static string Pair((double P50, double P95) value) =>
        $"{MarkdownReport.Format(value.P50 * 1000, "F2")} / {MarkdownReport.Format(value.P95 * 1000, "F2")}";

    private static string Prompt(int index) => index % 2 == 0
        ? string.Join(", ", Enumerable.Range(index + 1, 4 + (index % 5))) + ","
        : $"Once upon a time there were {index} little";

    private static async Task<Wave> ServiceWave(InferenceService.InferenceServiceClient client, string[] prompts, int c) =>
        await Wave.RunAsync(c, async i =>
        {
            var request = new CompleteRequest
            {
                Model = "tiny-chat",
                Prompt = Value.ForString(prompts[i]),
                Temperature = 0,
                MaxTokens = NewTokens,
                LogitBias = SuppressEndOfSequence(),
                StreamOptions = new StreamOptions { IncludeUsage = true },
            };
            var timings = new StreamTimings(Stopwatch.GetTimestamp());
            using var call = client.StreamComplete(request);
            await foreach (var chunk in call.ResponseStream.ReadAllAsync())
            {
                if (chunk.Usage is { } usage)
                {
                    timings.Tokens = usage.CompletionTokens;
                }
                else
                {
                    timings.Arrived(Stopwatch.GetTimestamp());
                }
            }

            return timings;
        });

    private static async Task<Wave> EngineWave(IChatModel model, string[] prompts, int c) =>
        await Wave.RunAsync(c, async i =>
        {
            var request = new GenerationRequest
            {
                PromptTokens = model.Tokenize(prompts[i]),
                MaxNewTokens = NewTokens,
                Sampling = SamplingOptions.Greedy with { LogitBias = new Dictionary<int, float> { [0] = -100f, [2] = -100f } },
            };
            var timings = new StreamTimings(Stopwatch.GetTimestamp());
            await foreach (var item in model.GenerateAsync(request, CancellationToken.None))
            {
                timings.Arrived(Stopwatch.GetTimestamp());
                timings.Tokens = item.CompletionTokens;
            }

            return timings;
        });

    private static Struct SuppressEndOfSequence()
    {
        var bias = new Struct();
        bias.Fields["0"] = Value.ForNumber(-100);
        bias.Fields["2"] = Value.ForNumber(-100);
        return bias;
    }

    /// <summary>When one stream's tokens arrived.</summary>
    private sealed class StreamTimings(long started)
    {
        private long _last;

        public double FirstToken { get; private set; }

        public List<double> Gaps { get; } = new(NewTokens);

        public int Tokens { get; set; }

        public void Arrived(long now)
        {
            if (_last == 0)
            {
                FirstToken = Stopwatch.GetElapsedTime(started, now).TotalSeconds;
            }
            else
            {
                Gaps.Add(Stopwatch.GetElapsedTime(_last, now).TotalSeconds);
            }

            _last = now;
        }
    }

    private sealed record Wave(StreamTimings[] Streams, double Seconds)
    {
        /// <summary>Runs one wave: <paramref name="c"/> callers, caller i running streams with prompt i back to
        /// back, <see cref="StreamsPerWave"/> in all.</summary>
        public static async Task<Wave> RunAsync(int c, Func<int, Task<StreamTimings>> stream)
        {
            int perCaller = Math.Max(1, StreamsPerWave / c);
            var watch = Stopwatch.StartNew();
            var callers = await Task.WhenAll(Enumerable.Range(0, c).Select(i => Task.Run(async () =>
            {
                var streams = new StreamTimings[perCaller];
                for (int s = 0; s < perCaller; s++)
                {
                    streams[s] = await stream(i);
                }

                return streams;
            })));
            return new Wave(callers.SelectMany(s => s).ToArray(), watch.Elapsed.TotalSeconds);
        }

        public double TokensPerSecond
        {
            get
            {
                int tokens = Streams.Sum(s => s.Tokens);
                if (tokens != Streams.Length * NewTokens)
                {
                    throw new InvalidOperationException($"expected {Streams.Length * NewTokens} tokens, got {tokens}");
                }

                return tokens / Seconds;
            }
        }
    }

    private sealed record Summary(double TokensPerSecond, (double P50, double P95) FirstToken, (double P50, double P95) TokenGap)
    {
        public static Summary Of(List<Wave> waves) => new(
            Median(waves.Select(w => w.TokensPerSecond)),
            Percentiles(waves.SelectMany(w => w.Streams).Select(s => s.FirstToken)),
            Percentiles(waves.SelectMany(w => w.Streams).SelectMany(s => s.Gaps)));

        private static double Median(IEnumerable<double> values)
        {
            var sorted = values.Order().ToArray();
            return sorted[sorted.Length / 2];
        }

        private static (double, double) Percentiles(IEnumerable<double> values)
        {
            var sorted = values.Order().ToArray();
            return (sorted[(int)(0.50 * (sorted.Length - 1))], sorted[(int)(0.95 * (sorted.Length - 1))]);
        }
    }
}
