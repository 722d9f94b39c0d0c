using System.Collections.Concurrent;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Text;
using Inference.Engine.Onnx;
using Inference.Engine.Tokenization;

namespace Inference.Engine.Scheduling;

/// <summary>
/// Continuous batching for one decoder: requests wait in a bounded queue, join the running batch after their
/// prefill, are decoded together one token per step, and leave as soon as they finish or are cancelled.
/// A single dedicated thread drives the ONNX session, so the session needs no locking and request threads never
/// block on model compute.
/// </summary>
internal sealed class DecodeScheduler : IDisposable
{
    private readonly DecoderSession _decoder;
    private readonly ITokenizer _tokenizer;
    private readonly SchedulerOptions _options;
    private readonly HashSet<int> _eosTokenIds;
    private readonly ConcurrentQueue<SequenceState> _pending = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Thread _thread;
    private readonly string _model;
    private readonly List<SequenceState> _rows = [];
    private readonly List<SequenceState> _admitted = [];
    private KvCache? _cache;
    private int _pendingCount;
    private int _held;
    private int _activeSequences;
    private long[] _idsBuffer = new long[64];
    private long[] _maskBuffer = new long[256];
    private long[] _positionsBuffer = new long[64];

    public DecodeScheduler(DecoderSession decoder, ITokenizer tokenizer, SchedulerOptions options, string name)
    {
        _decoder = decoder;
        _tokenizer = tokenizer;
        _options = options;
        _eosTokenIds = [.. decoder.Config.EosTokenIds];
        _model = name;
        _thread = new Thread(Loop) { IsBackground = true, Name = $"decode:{name}" };
        _thread.Start();
        EngineMetrics.Track(this, name);
    }

    private GenAiConfig Config => _decoder.Config;

    /// <summary>Requests waiting to join the batch.</summary>
    public int QueueDepth => Volatile.Read(ref _pendingCount);

    /// <summary>Sequences in the running batch.</summary>
    public int ActiveSequences => Volatile.Read(ref _activeSequences);

    /// <summary>Queues a sequence and streams its events. Refuses at once when the queue is full.</summary>
    public IAsyncEnumerable<GenerationEvent> Submit(GenerationRequest request, CancellationToken cancellationToken)
    {
        if (request.PromptTokens.Count == 0)
        {
            throw new InferenceRequestException("The prompt must contain at least one token.", "prompt");
        }

        if (request.MaxNewTokens < 1)
        {
            throw new InferenceRequestException("max_tokens must be at least 1.", "max_tokens");
        }

        if (request.PromptTokens.Count + request.MaxNewTokens > Config.ContextLength)
        {
            throw new ContextLengthExceededException(
                $"This model's maximum context length is {Config.ContextLength} tokens. However, you requested " +
                $"{request.PromptTokens.Count + request.MaxNewTokens} tokens ({request.PromptTokens.Count} in the " +
                $"prompt, {request.MaxNewTokens} for the completion). Please reduce the prompt or max_tokens.",
                "messages");
        }

        foreach (int token in request.PromptTokens)
        {
            if ((uint)token >= (uint)Config.VocabSize)
            {
                throw new InferenceRequestException($"Token id {token} is outside the vocabulary (0..{Config.VocabSize - 1}).", "prompt");
            }
        }

        // The bound is on every sequence held, running or waiting: counting the waiting ones alone would refuse a
        // burst that arrives while the batch has free slots, because the burst waits in the queue until the loop's
        // next step admits it.
        if (Interlocked.Increment(ref _held) > _options.MaxBatchSize + _options.MaxQueuedRequests)
        {
            Interlocked.Decrement(ref _held);
            EngineMetrics.RecordOutcome(_model, "overloaded");
            throw new ModelOverloadedException(
                "The model is at capacity; retry shortly.", _options.RetryAfter);
        }

        Interlocked.Increment(ref _pendingCount);
        var sequence = new SequenceState(request, _tokenizer, Config.VocabSize, cancellationToken);
        EngineMetrics.Tokens.Add(request.PromptTokens.Count, new("gen_ai.request.model", _model), new("gen_ai.token.type", "input"));
        _pending.Enqueue(sequence);
        _wake.Release();
        return Read(sequence, cancellationToken);
    }

    private async IAsyncEnumerable<GenerationEvent> Read(
        SequenceState sequence, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Wake the loop when the caller goes away so that the sequence is dropped at the next step even when the
        // loop is idle-waiting.
        using var registration = cancellationToken.Register(static s => ((SemaphoreSlim)s!).Release(), _wake);
        try
        {
            await foreach (var item in sequence.Output.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return item;
            }
        }
        finally
        {
            // A consumer that stops reading early (without cancelling) must not leave the sequence running.
            sequence.Abandon();
        }
    }

    private void Loop()
    {
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                if (_rows.Count == 0 && _pending.IsEmpty)
                {
                    _wake.Wait(_stopping.Token);
                }

                DropCancelledRows();
                AdmitPending();
                if (_rows.Count > 0)
                {
                    DecodeStep();
                }
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                // Whatever went wrong in a step, the sequences in it cannot continue; the loop must, or every
                // later request would wait forever.
                FailAll(e);
            }
        }

        FailAll(new OperationCanceledException("The model is shutting down."));
    }

    private void DropCancelledRows()
    {
        bool any = false;
        foreach (var row in _rows)
        {
            if (row.CancellationToken.IsCancellationRequested)
            {
                Cancel(row);
                any = true;
            }
        }

        if (any)
        {
            RemoveRows(static s => s.CancellationToken.IsCancellationRequested);
        }
    }

    private void AdmitPending()
    {
        var admitted = _admitted;
        admitted.Clear();
        int budget = _options.MaxPrefillTokensPerStep;
        while (_rows.Count + admitted.Count < _options.MaxBatchSize && _pending.TryPeek(out var next))
        {
            int length = next.Request.PromptTokens.Count;
            if (admitted.Count > 0 && length > budget)
            {
                break;
            }

            _pending.TryDequeue(out _);
            Interlocked.Decrement(ref _pendingCount);
            if (next.CancellationToken.IsCancellationRequested)
            {
                Cancel(next);
                continue;
            }

            admitted.Add(next);
            budget -= length;
        }

        if (admitted.Count > 0)
        {
            Prefill(admitted);
        }
    }

    /// <summary>Runs the prompts of newly admitted sequences as one left-padded batch and merges them in.</summary>
    private void Prefill(List<SequenceState> admitted)
    {
        int batch = admitted.Count;
        int length = 0;
        foreach (var sequence in admitted)
        {
            length = Math.Max(length, sequence.Request.PromptTokens.Count);
        }

        var ids = Rent(ref _idsBuffer, batch * length);
        var mask = Rent(ref _maskBuffer, batch * length);
        var positions = Rent(ref _positionsBuffer, batch * length);
        for (int r = 0; r < batch; r++)
        {
            var prompt = admitted[r].Request.PromptTokens;
            int padding = length - prompt.Count;
            for (int t = 0; t < length; t++)
            {
                int at = (r * length) + t;
                bool real = t >= padding;
                ids[at] = real ? prompt[t - padding] : Config.PadTokenId;
                mask[at] = real ? 1 : 0;
                // Real tokens count from 0; padded slots hold 1 as transformers does (they are masked anyway).
                positions[at] = real ? t - padding : 1;
            }
        }

        using var empty = KvCache.Empty(Config, batch);
        var (logits, present) = _decoder.Run(ids, mask, positions, batch, length, empty);
        using (logits)
        {
            var data = logits.GetTensorDataAsSpan<float>();
            int vocabulary = Config.VocabSize;
            for (int r = 0; r < batch; r++)
            {
                var sequence = admitted[r];
                sequence.CachedTokens = sequence.Request.PromptTokens.Count;
                var row = data.Slice((((r * length) + length - 1) * vocabulary), vocabulary);
                Emit(sequence, row);
            }
        }

        // Merge: existing rows keep their cache, new rows take theirs from the prefill, all right-aligned.
        var sources = new List<(KvCache, int)>(_rows.Count + batch);
        var rows = new List<SequenceState>(_rows.Count + batch);
        for (int r = 0; r < _rows.Count; r++)
        {
            sources.Add((_cache!, r));
            rows.Add(_rows[r]);
        }

        for (int r = 0; r < batch; r++)
        {
            if (!admitted[r].IsFinished)
            {
                sources.Add((present, r));
                rows.Add(admitted[r]);
            }
        }

        ReplaceCache(rows, sources);
        present.Dispose();
    }

    private void DecodeStep()
    {
        int batch = _rows.Count;
        int past = _cache!.Length;
        int total = past + 1;
        var ids = Rent(ref _idsBuffer, batch);
        var positions = Rent(ref _positionsBuffer, batch);
        var mask = Rent(ref _maskBuffer, batch * total);
        for (int r = 0; r < batch; r++)
        {
            var sequence = _rows[r];
            ids[r] = sequence.LastToken;
            positions[r] = sequence.CachedTokens;
            int padding = past - sequence.CachedTokens;
            var rowMask = mask.AsSpan(r * total, total);
            rowMask[..padding].Clear();
            rowMask[padding..].Fill(1);
        }

        var (logits, present) = _decoder.Run(ids, mask, positions, batch, 1, _cache);
        _cache.Dispose();
        _cache = present;
        bool anyFinished = false;
        using (logits)
        {
            var data = logits.GetTensorDataAsSpan<float>();
            int vocabulary = Config.VocabSize;
            for (int r = 0; r < batch; r++)
            {
                var sequence = _rows[r];
                sequence.CachedTokens++;
                Emit(sequence, data.Slice(r * vocabulary, vocabulary));
                anyFinished |= sequence.IsFinished;
            }
        }

        EngineMetrics.BatchSize.Record(batch, new KeyValuePair<string, object?>("gen_ai.request.model", _model));
        if (anyFinished)
        {
            RemoveRows(static s => s.IsFinished);
        }
    }

    private void Emit(SequenceState sequence, ReadOnlySpan<float> logits)
    {
        int token = sequence.Sampler.Next(logits);
        TokenLogProbs? logProbs = sequence.Request.TopLogProbs is { } top ? LogProbsOf(logits, token, top) : null;
        var item = sequence.Accept(token, _eosTokenIds.Contains(token), Config.ContextLength, logProbs);
        sequence.Output.Writer.TryWrite(item);
        var modelTag = new KeyValuePair<string, object?>("gen_ai.request.model", _model);
        if (sequence.LastTokenAt == 0)
        {
            EngineMetrics.TimeToFirstToken.Record(EngineMetrics.SecondsSince(sequence.SubmittedAt), modelTag);
        }
        else
        {
            EngineMetrics.TimePerOutputToken.Record(EngineMetrics.SecondsSince(sequence.LastTokenAt), modelTag);
        }

        sequence.LastTokenAt = System.Diagnostics.Stopwatch.GetTimestamp();
        if (sequence.IsFinished)
        {
            ReleaseIfCompleted(sequence.Output.Writer.TryComplete());
            EngineMetrics.RequestDuration.Record(EngineMetrics.SecondsSince(sequence.SubmittedAt), modelTag);
            EngineMetrics.Tokens.Add(sequence.CompletionTokens, modelTag, new("gen_ai.token.type", "output"));
            EngineMetrics.RecordOutcome(_model, "ok");
        }
    }

    /// <summary>Log-probabilities from the model's own distribution (before penalties and temperature), as
    /// vLLM reports them by default.</summary>
    private TokenLogProbs LogProbsOf(ReadOnlySpan<float> logits, int chosen, int top)
    {
        float max = TensorPrimitives.Max(logits);
        double sum = 0;
        foreach (float value in logits)
        {
            sum += Math.Exp(value - max);
        }

        float logSumExp = max + (float)Math.Log(sum);
        var best = new List<TokenLogProb>(top);
        if (top > 0)
        {
            var candidates = new PriorityQueue<int, float>(top + 1);
            for (int i = 0; i < logits.Length; i++)
            {
                candidates.Enqueue(i, logits[i]);
                if (candidates.Count > top)
                {
                    candidates.Dequeue();
                }
            }

            while (candidates.TryDequeue(out int id, out float value))
            {
                best.Add(Describe(id, value - logSumExp));
            }

            best.Reverse();
        }

        return new TokenLogProbs(Describe(chosen, logits[chosen] - logSumExp), best);
    }

    private TokenLogProb Describe(int token, float logProb)
    {
        byte[] bytes = _tokenizer.GetTokenBytes(token).ToArray();
        return new TokenLogProb(token, Encoding.UTF8.GetString(bytes), bytes, logProb);
    }

    /// <summary>Takes rows out of the batch and rebuilds the cache, trimming slots that are now padding for
    /// every remaining row (so a long sequence leaving shrinks the work of every later step).</summary>
    private void RemoveRows(Predicate<SequenceState> leaves)
    {
        var sources = new List<(KvCache, int)>(_rows.Count);
        var remaining = new List<SequenceState>(_rows.Count);
        for (int r = 0; r < _rows.Count; r++)
        {
            if (!leaves(_rows[r]))
            {
                sources.Add((_cache!, r));
                remaining.Add(_rows[r]);
            }
        }

        ReplaceCache(remaining, sources);
    }

    private void ReplaceCache(List<SequenceState> rows, List<(KvCache, int)> sources)
    {
        int length = 0;
        foreach (var row in rows)
        {
            length = Math.Max(length, row.CachedTokens);
        }

        var next = rows.Count > 0 ? KvCache.Gather(Config, sources, length) : null;
        _cache?.Dispose();
        _cache = next;
        _rows.Clear();
        _rows.AddRange(rows);
        _activeSequences = rows.Count;
    }

    private void Cancel(SequenceState sequence)
    {
        ReleaseIfCompleted(sequence.Output.Writer.TryComplete(new OperationCanceledException(sequence.CancellationToken)));
        EngineMetrics.Tokens.Add(
            sequence.CompletionTokens, new("gen_ai.request.model", _model), new("gen_ai.token.type", "output"));
        EngineMetrics.RecordOutcome(_model, "cancelled");
    }

    private void FailAll(Exception error)
    {
        string outcome = error is OperationCanceledException ? "cancelled" : "error";
        foreach (var row in _rows)
        {
            ReleaseIfCompleted(row.Output.Writer.TryComplete(error));
            EngineMetrics.RecordOutcome(_model, outcome);
        }

        _rows.Clear();
        _activeSequences = 0;
        _cache?.Dispose();
        _cache = null;
        while (_pending.TryDequeue(out var waiting))
        {
            Interlocked.Decrement(ref _pendingCount);
            ReleaseIfCompleted(waiting.Output.Writer.TryComplete(error));
            EngineMetrics.RecordOutcome(_model, outcome);
        }
    }

    /// <summary>A sequence holds its place against the bound until its output completes, exactly once.</summary>
    private void ReleaseIfCompleted(bool completed)
    {
        if (completed)
        {
            Interlocked.Decrement(ref _held);
        }
    }

    private static long[] Rent(ref long[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = new long[Math.Max(length, buffer.Length * 2)];
        }

        return buffer;
    }

    public void Dispose()
    {
        EngineMetrics.Untrack(this);
        _stopping.Cancel();
        _thread.Join();
        _stopping.Dispose();
        _wake.Dispose();
    }
}
