using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text;
using Inference.Engine.Decoding;
using Inference.Engine.Onnx;
using Inference.Engine.Sampling;
using Inference.Engine.Tokenization;

namespace Inference.Engine.Scheduling;

/// <summary>
/// Continuous batching for one decoder: requests wait in a bounded queue, join the running batch after their
/// prefill, are decoded together one token per step, and leave as soon as they finish or are cancelled.
/// A single dedicated thread drives the decoder backend, so the backend needs no locking and request threads never
/// block on model compute.
/// </summary>
internal sealed class DecodeScheduler : IDisposable
{
    private readonly IDecoderBackend _decoder;
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
    private int _pendingCount;
    private int _held;
    private int _activeSequences;
    private readonly List<IReadOnlyList<int>> _prompts = [];
    private int[] _slotBuffer = new int[16];
    private int[] _tokens = new int[16];

    public DecodeScheduler(IDecoderBackend decoder, ITokenizer tokenizer, SchedulerOptions options, string name)
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

    /// <summary>Runs the prompts of newly admitted sequences and adds the unfinished ones to the batch.</summary>
    private void Prefill(List<SequenceState> admitted)
    {
        _prompts.Clear();
        foreach (var sequence in admitted)
        {
            _prompts.Add(sequence.Request.PromptTokens);
        }

        var slots = RentSlots(admitted.Count);
        IStepLogits logits;
        try
        {
            logits = _decoder.Prefill(_prompts, slots);
        }
        catch (Exception e)
        {
            // These sequences are in neither the queue nor the batch: fail them here or they would wait forever.
            foreach (var sequence in admitted)
            {
                ReleaseIfCompleted(sequence.Output.Writer.TryComplete(e));
                EngineMetrics.RecordOutcome(_model, "error");
            }

            throw;
        }

        for (int r = 0; r < admitted.Count; r++)
        {
            var sequence = admitted[r];
            sequence.Slot = slots[r];
            sequence.CachedTokens = sequence.Request.PromptTokens.Count;
            Emit(sequence, logits, r);
            if (sequence.IsFinished)
            {
                _decoder.Release(sequence.Slot);
            }
            else
            {
                _rows.Add(sequence);
            }
        }

        _activeSequences = _rows.Count;
    }

    private void DecodeStep()
    {
        int batch = _rows.Count;
        var slots = RentSlots(batch);
        var tokens = _tokens.Length >= batch ? _tokens : _tokens = new int[Math.Max(batch, _tokens.Length * 2)];
        for (int r = 0; r < batch; r++)
        {
            slots[r] = _rows[r].Slot;
            tokens[r] = _rows[r].LastToken;
        }

        var logits = _decoder.Decode(slots[..batch], tokens.AsSpan(0, batch));
        bool anyFinished = false;
        for (int r = 0; r < batch; r++)
        {
            var sequence = _rows[r];
            sequence.CachedTokens++;
            Emit(sequence, logits, r);
            anyFinished |= sequence.IsFinished;
        }

        EngineMetrics.BatchSize.Record(batch, new KeyValuePair<string, object?>("gen_ai.request.model", _model));
        if (anyFinished)
        {
            RemoveRows(static s => s.IsFinished);
        }
    }

    private Span<int> RentSlots(int count)
    {
        if (_slotBuffer.Length < count)
        {
            _slotBuffer = new int[Math.Max(count, _slotBuffer.Length * 2)];
        }

        return _slotBuffer.AsSpan(0, count);
    }

    /// <summary>Picks the next token, asking the step's logits only for what the sampler and the log-probabilities
    /// need (on a device backend: the argmax, or the top-k and the normaliser, instead of the row).</summary>
    private void Emit(SequenceState sequence, IStepLogits logits, int row)
    {
        int token = sequence.Sampler.Next(logits, row);
        TokenLogProbs? logProbs = sequence.Request.TopLogProbs is { } top ? LogProbsOf(logits, row, token, top) : null;
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
    /// vLLM reports them by default: the chosen token's and the <paramref name="top"/> most likely.</summary>
    private TokenLogProbs LogProbsOf(IStepLogits logits, int row, int chosen, int top)
    {
        float logSumExp = logits.LogSumExp(row);
        var candidates = new TokenCandidate[Math.Min(top, Config.VocabSize)];
        if (candidates.Length > 0)
        {
            logits.TopK(row, candidates);
        }

        var best = new TokenLogProb[candidates.Length];
        for (int i = 0; i < candidates.Length; i++)
        {
            best[i] = Describe(candidates[i].Id, candidates[i].Logit - logSumExp);
        }

        return new TokenLogProbs(Describe(chosen, logits.Logit(row, chosen) - logSumExp), best);
    }

    private TokenLogProb Describe(int token, float logProb)
    {
        byte[] bytes = _tokenizer.GetTokenBytes(token).ToArray();
        return new TokenLogProb(token, Encoding.UTF8.GetString(bytes), bytes, logProb);
    }

    /// <summary>Takes rows out of the batch and gives their cache slots back.</summary>
    private void RemoveRows(Predicate<SequenceState> leaves)
    {
        for (int r = _rows.Count - 1; r >= 0; r--)
        {
            if (leaves(_rows[r]))
            {
                _decoder.Release(_rows[r].Slot);
                _rows.RemoveAt(r);
            }
        }

        _activeSequences = _rows.Count;
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

        foreach (var row in _rows)
        {
            _decoder.Release(row.Slot);
        }

        _rows.Clear();
        _activeSequences = 0;
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

    public void Dispose()
    {
        EngineMetrics.Untrack(this);
        _stopping.Cancel();
        _thread.Join();
        _stopping.Dispose();
        _wake.Dispose();
    }
}
