using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using Inference.Engine.Generation;

namespace Inference.Engine.Models;

/// <summary>
/// A chat model without weights: every prompt gets the same deterministic words, one token per word, paced at
/// <see cref="SyntheticOptions.TokensPerSecond"/>. Its tokenizer is byte-level (ids 0..255 are bytes) plus one id per
/// word of its vocabulary, so tokenize and detokenize round-trip any text. Requests honour max tokens, stop
/// sequences, cancellation and the concurrency bound exactly as the real engine does.
/// </summary>
internal sealed class SyntheticChatModel : IChatModel
{
    private const int WordBase = 256;
    private static readonly string[] Words =
    [
        " The", " quick", " brown", " fox", " jumps", " over", " the", " lazy", " dog", ".", " Inference", " is",
        " served", " over", " gRPC", ",", " gRPC-Web", " and", " REST", " one", " token", " at", " a", " time",
    ];

    private readonly SyntheticOptions _options;
    private int _active;

    public SyntheticChatModel(ModelDefinition definition, TimeProvider clock)
    {
        _options = definition.Synthetic!;
        Info = new ModelInfo(
            definition.Id, ModelKind.Chat, _options.ContextLength, clock.GetUtcNow().ToUnixTimeSeconds(),
            definition.OwnedBy, [.. definition.Aliases]);
    }

    public ModelInfo Info { get; }

    public IReadOnlyList<int> Tokenize(string text)
    {
        // The model stands in for model compute in overhead measurements, so it should cost next to nothing itself.
        var ids = new int[Encoding.UTF8.GetByteCount(text)];
        byte[]? rented = ids.Length > 512 ? ArrayPool<byte>.Shared.Rent(ids.Length) : null;
        Span<byte> bytes = rented ?? stackalloc byte[512];
        Encoding.UTF8.GetBytes(text, bytes);
        for (int i = 0; i < ids.Length; i++)
        {
            ids[i] = bytes[i];
        }

        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }

        return ids;
    }

    public string Detokenize(IReadOnlyList<int> tokenIds, bool skipSpecialTokens = false)
    {
        var bytes = new List<byte>(tokenIds.Count);
        foreach (int id in tokenIds)
        {
            if (id < WordBase && id >= 0)
            {
                bytes.Add((byte)id);
            }
            else if (id - WordBase < Words.Length && id >= WordBase)
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(Words[id - WordBase]));
            }
            else
            {
                throw new InferenceRequestException($"Token id {id} is outside the vocabulary (0..{WordBase + Words.Length - 1}).", "tokens");
            }
        }

        return Encoding.UTF8.GetString([.. bytes]);
    }

    public string RenderChat(IReadOnlyList<ChatMessage> messages, IReadOnlyList<object?>? tools, bool addGenerationPrompt)
    {
        // ChatML, the most common layout, so prompts have a realistic size.
        int length = 32;
        for (int i = 0; i < messages.Count; i++)
        {
            length += 32 + messages[i].Role.Length + (messages[i].Content?.Length ?? 0);
        }

        var text = new StringBuilder(length);
        for (int i = 0; i < messages.Count; i++)
        {
            var message = messages[i];
            text.Append("<|im_start|>").Append(message.Role).Append('\n').Append(message.Content).Append("<|im_end|>\n");
        }

        if (addGenerationPrompt)
        {
            text.Append("<|im_start|>assistant\n");
        }

        return text.ToString();
    }

    public IAsyncEnumerable<GenerationEvent> GenerateAsync(GenerationRequest request, CancellationToken cancellationToken)
    {
        if (request.PromptTokens.Count + request.MaxNewTokens > _options.ContextLength)
        {
            throw new ContextLengthExceededException(
                $"This model's maximum context length is {_options.ContextLength} tokens. However, you requested " +
                $"{request.PromptTokens.Count + request.MaxNewTokens} tokens.", "messages");
        }

        if (Interlocked.Increment(ref _active) > _options.MaxConcurrentSequences)
        {
            Interlocked.Decrement(ref _active);
            throw new ModelOverloadedException("The model is at capacity; retry shortly.", TimeSpan.FromSeconds(1));
        }

        return Generate(request, cancellationToken);
    }

    private async IAsyncEnumerable<GenerationEvent> Generate(
        GenerationRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        try
        {
            var stops = new StopSequenceMatcher(request.StopSequences);
            int offset = (int)((request.Sampling.Seed ?? 0) % (ulong)Words.Length);
            var interval = _options.TokensPerSecond > 0 ? TimeSpan.FromSeconds(1 / _options.TokensPerSecond) : TimeSpan.Zero;
            var next = DateTime.UtcNow;
            for (int i = 1; i <= request.MaxNewTokens; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (interval > TimeSpan.Zero)
                {
                    next += interval;
                    var wait = next - DateTime.UtcNow;
                    if (wait > TimeSpan.Zero)
                    {
                        await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                    }
                }

                int word = (offset + i - 1) % Words.Length;
                string delta = stops.Push(Words[word], out bool stopped);
                FinishReason? finish = stopped ? FinishReason.Stop : i == request.MaxNewTokens ? FinishReason.Length : null;
                if (finish == FinishReason.Length)
                {
                    delta += stops.Flush();
                }

                yield return new GenerationEvent(WordBase + word, delta, null, finish, request.PromptTokens.Count, i);
                if (finish is not null)
                {
                    yield break;
                }
            }
        }
        finally
        {
            Interlocked.Decrement(ref _active);
        }
    }
}
