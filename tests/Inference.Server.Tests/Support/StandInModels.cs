// TEMPORARY stand-in until the engine lands; delete then.
// Deterministic fakes of the engine's abstractions so the server can be developed and its wire tests run before the
// ONNX engine is merged. Wire tests must never assert anything specific to these fakes' text.
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Text;
using Inference.Engine;

namespace Inference.Server.Tests.Support;

/// <summary>A registry holding <c>tiny-chat</c> and <c>tiny-embed</c> stand-ins.</summary>
internal sealed class StandInModelRegistry : IModelRegistry
{
    private readonly StandInChatModel _chat = new();
    private readonly StandInEmbeddingModel _embed = new();

    public IReadOnlyList<ModelInfo> Models => [_chat.Info, _embed.Info];

    public bool TryGetInfo(string idOrAlias, [NotNullWhen(true)] out ModelInfo? info)
    {
        info = idOrAlias == _chat.Info.Id ? _chat.Info : idOrAlias == _embed.Info.Id ? _embed.Info : null;
        return info is not null;
    }

    public bool TryGetChatModel(string idOrAlias, [NotNullWhen(true)] out IChatModel? model)
    {
        model = idOrAlias == _chat.Info.Id ? _chat : null;
        return model is not null;
    }

    public bool TryGetEmbeddingModel(string idOrAlias, [NotNullWhen(true)] out IEmbeddingModel? model)
    {
        model = idOrAlias == _embed.Info.Id ? _embed : null;
        return model is not null;
    }
}

/// <summary>Byte-level tokens; generation picks words from the prompt's hash, greedy or seeded.</summary>
internal sealed class StandInChatModel : IChatModel
{
    private static readonly string[] Words = ["alpha ", "beta ", "gamma ", "delta ", "epsilon ", "zeta ", "eta ", "theta "];

    public ModelInfo Info { get; } = new("tiny-chat", ModelKind.Chat, 512, 1_700_000_000, "inference", []);

    public IReadOnlyList<int> Tokenize(string text) => [.. Encoding.UTF8.GetBytes(text).Select(b => (int)b)];

    public string Detokenize(IReadOnlyList<int> tokenIds, bool skipSpecialTokens = false) =>
        Encoding.UTF8.GetString([.. tokenIds.Select(t => (byte)t)]);

    public string RenderChat(IReadOnlyList<ChatMessage> messages, IReadOnlyList<object?>? tools, bool addGenerationPrompt)
    {
        var text = new StringBuilder();
        foreach (var message in messages)
        {
            text.Append('<').Append(message.Role).Append('>').Append(message.Content).Append('\n');
        }

        return addGenerationPrompt ? text.Append("<assistant>").ToString() : text.ToString();
    }

    public async IAsyncEnumerable<GenerationEvent> GenerateAsync(GenerationRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (request.PromptTokens.Count + request.MaxNewTokens > Info.ContextLength)
        {
            throw new ContextLengthExceededException("The prompt is too long for the context.", "messages");
        }

        var hash = request.PromptTokens.Aggregate(17, (h, t) => unchecked((h * 31) + t));
        var random = request.Sampling.Temperature == 0 ? null : new Random((int)(request.Sampling.Seed ?? (ulong)Random.Shared.Next()));
        var emitted = new StringBuilder();
        for (var i = 1; i <= request.MaxNewTokens; i++)
        {
            await Task.Yield();
            cancellationToken.ThrowIfCancellationRequested();
            var word = Words[(int)((uint)(hash + (i * 7) + (random?.Next(8) ?? 0)) % Words.Length)];
            emitted.Append(word);
            var stopAt = request.StopSequences.Select(s => emitted.ToString().IndexOf(s, StringComparison.Ordinal)).Where(x => x >= 0).DefaultIfEmpty(-1).Min();
            var logProbs = request.TopLogProbs is { } top
                ? new TokenLogProbs(new TokenLogProb(i, word, Encoding.UTF8.GetBytes(word), -0.5f),
                    [.. Enumerable.Range(0, top).Select(k => new TokenLogProb(k, Words[k], Encoding.UTF8.GetBytes(Words[k]), -1f - k))])
                : null;
            if (stopAt >= 0)
            {
                var before = emitted.Length - word.Length;
                yield return new GenerationEvent(i, stopAt > before ? emitted.ToString(before, stopAt - before) : "", logProbs, FinishReason.Stop, request.PromptTokens.Count, i);
                yield break;
            }

            var last = i == request.MaxNewTokens;
            yield return new GenerationEvent(i, word, logProbs, last ? FinishReason.Length : null, request.PromptTokens.Count, i);
        }
    }
}

/// <summary>Unit vectors derived from the input's characters.</summary>
internal sealed class StandInEmbeddingModel : IEmbeddingModel
{
    public ModelInfo Info { get; } = new("tiny-embed", ModelKind.Embedding, 128, 1_700_000_000, "inference", []);

    public int Dimensions => 128;

    public int MaxInputTokens => 128;

    public Task<EmbeddingResult> EmbedAsync(IReadOnlyList<EmbeddingInput> inputs, CancellationToken cancellationToken)
    {
        var tokens = 0;
        var vectors = new List<float[]>(inputs.Count);
        foreach (var input in inputs)
        {
            var ids = input.TokenIds ?? [.. Encoding.UTF8.GetBytes(input.Text!).Select(b => (int)b)];
            if (ids.Count + 2 > MaxInputTokens)
            {
                throw new ContextLengthExceededException("The input is too long for the model.", "input");
            }

            tokens += ids.Count + 2;
            var vector = new float[Dimensions];
            for (var i = 0; i < ids.Count; i++)
            {
                vector[(ids[i] * 7 + i) % Dimensions] += 1f;
            }

            vector[0] += 0.5f;
            var norm = MathF.Sqrt(vector.Sum(x => x * x));
            vectors.Add([.. vector.Select(x => x / norm)]);
        }

        return Task.FromResult(new EmbeddingResult(vectors, tokens));
    }
}
