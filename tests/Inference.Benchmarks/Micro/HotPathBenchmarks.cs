using System.Buffers;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using FluentValidation;
using Google.Protobuf.WellKnownTypes;
using Inference.Contracts.V1;
using Inference.Engine;
using Inference.Engine.Generation;
using Inference.Engine.Sampling;
using Inference.Engine.Tokenization;
using Inference.Server.Auth;
using Inference.Server.Hosting;
using Inference.Server.Rest;
using Inference.Server.Services;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using WireChatMessage = Inference.Contracts.V1.ChatMessage;

namespace Inference.Benchmarks.Micro;

/// <summary>Tokenizer encode and decode on tiny-chat's byte-level BPE, and incremental detokenization per token.</summary>
[MemoryDiagnoser]
public class TokenizerBenchmarks
{
    private ByteLevelBpeTokenizer _tokenizer = null!;
    private string _text = null!;
    private int[] _ids = null!;

    [GlobalSetup]
    public void Setup()
    {
        _tokenizer = ByteLevelBpeTokenizer.FromTokenizerJson(Path.Combine(AppContext.BaseDirectory, "models", "tiny-chat", "tokenizer.json"));
        _text = string.Join(' ', Enumerable.Repeat("What is the capital of France? The capital of France is Paris. 23 + 19 = 42.", 4));
        _ids = [.. _tokenizer.Encode(_text)];
    }

    [Benchmark(Description = "tokenizer encode (~100 tokens)")]
    public int Encode() => _tokenizer.Encode(_text).Count;

    [Benchmark(Description = "tokenizer decode (~100 tokens)")]
    public int Decode() => _tokenizer.Decode(_ids, skipSpecialTokens: true).Length;

    [Benchmark(Description = "incremental detokenize, per token", OperationsPerInvoke = 100)]
    public int DecodeIncrementally()
    {
        var detokenizer = new IncrementalDetokenizer(_tokenizer);
        int length = 0;
        for (int i = 0; i < 100; i++)
        {
            length += detokenizer.Append(_ids[i % _ids.Length]).Length;
        }

        return length;
    }
}

/// <summary>One sampling step over a 32k vocabulary: greedy, and temperature with top-k / top-p and penalties.</summary>
[MemoryDiagnoser]
public class SamplingBenchmarks
{
    private const int Vocabulary = 32000;
    private float[] _logits = null!;
    private Sampler _greedy = null!;
    private Sampler _sampled = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(7);
        _logits = [.. Enumerable.Range(0, Vocabulary).Select(_ => (float)(random.NextDouble() * 20 - 10))];
        int[] prompt = [.. Enumerable.Range(0, 64)];
        _greedy = new Sampler(SamplingOptions.Greedy, Vocabulary, prompt);
        _sampled = new Sampler(
            new SamplingOptions { Temperature = 0.8f, TopK = 50, TopP = 0.9f, Seed = 1, RepetitionPenalty = 1.1f, PresencePenalty = 0.5f },
            Vocabulary, prompt);
    }

    [Benchmark(Description = "sampling step, greedy (32k vocab)")]
    public int Greedy() => _greedy.Next(_logits);

    [Benchmark(Description = "sampling step, top-k/top-p + penalties (32k vocab)")]
    public int Sampled() => _sampled.Next(_logits);
}

/// <summary>The stop-sequence matcher fed one token's text at a time, two stop strings active.</summary>
[MemoryDiagnoser]
public class StopSequenceBenchmarks
{
    private static readonly string[] Pieces = [" The", " capital", " of", " France", " is", " Paris", ".", " Next", " question", ":"];
    private static readonly string[] Stops = ["\n\nUser:", "<|end|>"];

    [Benchmark(Description = "stop matcher push, per token", OperationsPerInvoke = 100)]
    public int Push()
    {
        var matcher = new StopSequenceMatcher(Stops);
        int length = 0;
        for (int i = 0; i < 100; i++)
        {
            length += matcher.Push(Pieces[i % Pieces.Length], out _).Length;
        }

        return length;
    }
}

/// <summary>The SSE adapter's per-chunk work: one chat chunk as <c>data: {json}\n\n</c> into a reused buffer.</summary>
[MemoryDiagnoser]
public class SseChunkBenchmarks
{
    private readonly ArrayBufferWriter<byte> _buffer = new(4096);
    private Utf8JsonWriter _json = null!;
    private ChatCompletionChunk _chunk = null!;

    [GlobalSetup]
    public void Setup()
    {
        _json = new Utf8JsonWriter(_buffer);
        _chunk = new ChatCompletionChunk
        {
            Id = "chatcmpl-0123456789abcdef0123456789abcdef",
            Object = "chat.completion.chunk",
            Created = 1_790_000_000,
            Model = "tiny-chat",
            SystemFingerprint = "fp_inference",
            Choices = { new ChatChunkChoice { Index = 0, Delta = new ChatCompletionDelta { Content = " Paris" } } },
        };
    }

    [Benchmark(Description = "SSE chunk write")]
    public int Write()
    {
        _buffer.ResetWrittenCount();
        _buffer.Write("data: "u8);
        _json.Reset(_buffer);
        ProtoJsonWriter.WriteMessage(_json, _chunk);
        _json.Flush();
        _buffer.Write("\n\n"u8);
        return _buffer.WrittenCount;
    }
}

/// <summary>The service's own work for a unary chat completion of 16 tokens on the synthetic model (validation,
/// prompt rendering, tokenization, generation, response building), with no transport: what issue 6's gRPC tax
/// comparison charges to the service.</summary>
[MemoryDiagnoser]
public class ChatHandlerBenchmarks
{
    private WebApplication _app = null!;
    private ChatCompletionHandler _handler = null!;
    private IValidator<ChatCompleteRequest> _validator = null!;
    private ChatCompleteRequest _request = null!;

    [GlobalSetup]
    public void Setup()
    {
        var builder = InferenceServerHost.CreateBuilder(
        [
            // Never started: the ports only have to pass the options' checks.
            "--Inference:Host=127.0.0.1", "--Inference:Http:Port=18080", "--Inference:Grpc:Port=18081",
            "--Inference:Models:0:Id=synthetic", "--Inference:Models:0:Synthetic:TokensPerSecond=0",
        ]);
        builder.Logging.ClearProviders();
        _app = InferenceServerHost.Build(builder);
        _handler = _app.Services.GetRequiredService<ChatCompletionHandler>();
        _validator = _app.Services.GetRequiredService<IValidator<ChatCompleteRequest>>();
        _request = new ChatCompleteRequest
        {
            Model = "synthetic",
            Messages = { new WireChatMessage { Role = "user", Content = Value.ForString("Say something short.") } },
            MaxTokens = 16,
        };
    }

    [GlobalCleanup]
    public void Cleanup() => _app.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark(Description = "chat request validation (FluentValidation)")]
    public bool Validate() => _validator.Validate(_request).IsValid;

    [Benchmark(Description = "unary chat handler, 16 tokens (synthetic)")]
    public async Task<int> Complete() => (await _handler.CompleteAsync(_request, CallerAccess.Unrestricted, CancellationToken.None)).Usage.CompletionTokens;
}
