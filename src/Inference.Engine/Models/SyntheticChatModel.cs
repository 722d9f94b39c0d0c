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

    private const string MessageStart = "<|im_start|>";
    private const string MessageEnd = "<|im_end|>\n";
    private const string GenerationPrompt = "<|im_start|>assistant\n";

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

    public IReadOnlyList<int> Tokenize(string text) =>
        // The model stands in for model compute in overhead measurements, so it should cost next to nothing itself:
        // the ids are the text's UTF-8 bytes, kept as bytes (a quarter of the memory of an int per id).
        new ByteTokens(Encoding.UTF8.GetBytes(text));

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
        // ChatML, the most common layout, so prompts have a realistic size; written straight into the string.
        int length = addGenerationPrompt ? GenerationPrompt.Length : 0;
        for (int i = 0; i < messages.Count; i++)
        {
            length += MessageStart.Length + messages[i].Role.Length + 1 + (messages[i].Content?.Length ?? 0) + MessageEnd.Length;
        }

        return string.Create(length, (messages, addGenerationPrompt), static (text, state) =>
        {
            var (messages, addGenerationPrompt) = state;
            int at = 0;
            for (int i = 0; i < messages.Count; i++)
            {
                Write(text, ref at, MessageStart);
                Write(text, ref at, messages[i].Role);
                Write(text, ref at, "\n");
                Write(text, ref at, messages[i].Content);
                Write(text, ref at, MessageEnd);
            }

            if (addGenerationPrompt)
            {
                Write(text, ref at, GenerationPrompt);
            }
        });

        static void Write(Span<char> text, ref int at, string? part)
        {
            part.AsSpan().CopyTo(text[at..]);
            at += part?.Length ?? 0;
        }
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

        return new Sequence(this, request, cancellationToken);
    }

    /// <summary>
    /// One sequence's words. An enumerator written out rather than an async iterator: unthrottled, every step is
    /// ready at once and should cost no state machine (the model stands in for model compute in overhead
    /// measurements); paced, a step waits for its time first. Enumerable once, as the engine's sequences are.
    /// </summary>
    private sealed class Sequence : IAsyncEnumerable<GenerationEvent>, IAsyncEnumerator<GenerationEvent>
    {
        private readonly SyntheticChatModel _model;
        private readonly GenerationRequest _request;
        private CancellationToken _cancellationToken;
        private CancellationTokenSource? _linked;
        private readonly StopSequenceMatcher _stops;
        private readonly int _offset;
        private readonly TimeSpan _interval;
        private DateTime _next;
        private int _generated;
        private bool _finished;
        private int _released;

        public Sequence(SyntheticChatModel model, GenerationRequest request, CancellationToken cancellationToken)
        {
            _model = model;
            _request = request;
            _cancellationToken = cancellationToken;
            _stops = new StopSequenceMatcher(request.StopSequences);
            _offset = (int)((request.Sampling.Seed ?? 0) % (ulong)Words.Length);
            var tokensPerSecond = model._options.TokensPerSecond;
            _interval = tokensPerSecond > 0 ? TimeSpan.FromSeconds(1 / tokensPerSecond) : TimeSpan.Zero;
            _next = _interval > TimeSpan.Zero ? DateTime.UtcNow : default;
            _finished = request.MaxNewTokens <= 0;
        }

        public GenerationEvent Current { get; private set; }

        public IAsyncEnumerator<GenerationEvent> GetAsyncEnumerator(CancellationToken cancellationToken = default)
        {
            // Either token cancels, as with an async iterator's [EnumeratorCancellation].
            if (cancellationToken.CanBeCanceled && cancellationToken != _cancellationToken)
            {
                _linked = CancellationTokenSource.CreateLinkedTokenSource(_cancellationToken, cancellationToken);
                _cancellationToken = _linked.Token;
            }

            return this;
        }

        public ValueTask<bool> MoveNextAsync()
        {
            if (_finished)
            {
                Release();
                return new ValueTask<bool>(false);
            }

            _cancellationToken.ThrowIfCancellationRequested();
            if (_interval > TimeSpan.Zero)
            {
                _next += _interval;
                var wait = _next - DateTime.UtcNow;
                if (wait > TimeSpan.Zero)
                {
                    return WaitThenStepAsync(wait);
                }
            }

            Step();
            return new ValueTask<bool>(true);
        }

        private async ValueTask<bool> WaitThenStepAsync(TimeSpan wait)
        {
            await Task.Delay(wait, _cancellationToken).ConfigureAwait(false);
            Step();
            return true;
        }

        private void Step()
        {
            int i = ++_generated;
            int word = (_offset + i - 1) % Words.Length;
            string delta = _stops.Push(Words[word], out bool stopped);
            FinishReason? finish = stopped ? FinishReason.Stop : i == _request.MaxNewTokens ? FinishReason.Length : null;
            if (finish == FinishReason.Length)
            {
                delta += _stops.Flush();
            }

            _finished = finish is not null;
            Current = new GenerationEvent(WordBase + word, delta, null, finish, _request.PromptTokens.Count, i);
        }

        public ValueTask DisposeAsync()
        {
            Release();
            return default;
        }

        /// <summary>Frees the sequence's place under the concurrency bound, once.</summary>
        private void Release()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                Interlocked.Decrement(ref _model._active);
                _linked?.Dispose();
            }
        }
    }

    /// <summary>Token ids 0..255 read from bytes: the byte-level part of the vocabulary, which is all a prompt needs.</summary>
    private sealed class ByteTokens(byte[] bytes) : IReadOnlyList<int>
    {
        public int Count => bytes.Length;

        public int this[int index] => bytes[index];

        public IEnumerator<int> GetEnumerator()
        {
            foreach (byte b in bytes)
            {
                yield return b;
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
