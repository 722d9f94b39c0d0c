using System.Threading.Channels;
using Inference.Engine.Generation;
using Inference.Engine.Sampling;
using Inference.Engine.Tokenization;

namespace Inference.Engine.Scheduling;

/// <summary>One sequence while the scheduler owns it: its tokens, sampler, text state and output channel.</summary>
internal sealed class SequenceState
{
    private readonly IncrementalDetokenizer _detokenizer;
    private readonly StopSequenceMatcher _stopMatcher;

    private readonly CancellationTokenSource _abandoned;

    public SequenceState(GenerationRequest request, ITokenizer tokenizer, int vocabularySize, CancellationToken cancellationToken)
    {
        Request = request;
        _abandoned = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        CancellationToken = _abandoned.Token;
        Sampler = new Sampler(request.Sampling, vocabularySize, request.PromptTokens);
        _detokenizer = new IncrementalDetokenizer(tokenizer, skipSpecialTokens: true);
        _stopMatcher = new StopSequenceMatcher(request.StopSequences);
        Output = Channel.CreateUnbounded<GenerationEvent>(new UnboundedChannelOptions
        {
            SingleReader = true,
            SingleWriter = true,
            // The scheduler thread must never run a consumer's continuation inline.
            AllowSynchronousContinuations = false,
        });
    }

    public GenerationRequest Request { get; }

    /// <summary>Called once when the reader is done: an unfinished sequence is dropped at the next step.</summary>
    public void Abandon()
    {
        if (!IsFinished)
        {
            _abandoned.Cancel();
        }

        // Unlinks from the caller's token; the scheduler only reads IsCancellationRequested afterwards.
        _abandoned.Dispose();
    }

    /// <summary>When the scheduler accepted the request (a <see cref="System.Diagnostics.Stopwatch"/> timestamp).</summary>
    public long SubmittedAt { get; } = System.Diagnostics.Stopwatch.GetTimestamp();

    /// <summary>When the previous token was emitted; 0 before the first.</summary>
    public long LastTokenAt { get; set; }

    public CancellationToken CancellationToken { get; }

    public Sampler Sampler { get; }

    public Channel<GenerationEvent> Output { get; }

    /// <summary>The decoder backend's cache slot of this sequence (valid once prefilled).</summary>
    public int Slot { get; set; } = -1;

    /// <summary>Tokens of this sequence already in the attention cache.</summary>
    public int CachedTokens { get; set; }

    /// <summary>The last sampled token, fed to the next decode step.</summary>
    public int LastToken { get; private set; }

    public int CompletionTokens { get; private set; }

    public bool IsFinished { get; private set; }

    /// <summary>
    /// Takes the token chosen at this step and works out the text it releases and whether the sequence ends.
    /// </summary>
    public GenerationEvent Accept(int token, bool isEos, int contextLength, TokenLogProbs? logProbs)
    {
        LastToken = token;
        CompletionTokens++;
        string delta;
        FinishReason? finish = null;
        if (isEos)
        {
            delta = Finish(FinishReason.Stop, out finish);
        }
        else
        {
            delta = _stopMatcher.Push(_detokenizer.Append(token), out bool stopped);
            if (stopped)
            {
                finish = FinishReason.Stop;
                IsFinished = true;
            }
            else if (CompletionTokens >= Request.MaxNewTokens || CachedTokens + 1 >= contextLength)
            {
                delta += Finish(FinishReason.Length, out finish);
            }
        }

        return new GenerationEvent(token, delta, logProbs, finish, Request.PromptTokens.Count, CompletionTokens);
    }

    private string Finish(FinishReason reason, out FinishReason? finish)
    {
        IsFinished = true;
        finish = reason;
        // Bytes held for an incomplete character are released (as U+FFFD if they never completed), then
        // whatever the stop matcher held because it might have begun a stop sequence.
        string tail = _stopMatcher.Push(_detokenizer.Flush(), out bool stopped);
        if (stopped)
        {
            finish = FinishReason.Stop;
            return tail;
        }

        return tail + _stopMatcher.Flush();
    }
}
