using System.Runtime.CompilerServices;
using Inference.Access.Limits;
using Inference.Engine;

namespace Inference.Server.Services;

/// <summary>One step worth sending of one choice: the engine's event, whether it is the choice's first, and where its
/// text starts in the choice's completion text.</summary>
internal readonly record struct ChoiceStep(int Index, GenerationEvent Event, bool First, int TextOffset);

/// <summary>
/// An admitted request's sequences, running: their events as a response needs them, each sequence's generated tokens
/// counted into the <see cref="CompletionRun"/>, and the request's rate-limit lease corrected to what it used when
/// disposed. Both completion handlers read it on both faces (the unary answer drains it, the stream turns each step
/// into a chunk). An enumerator written out rather than an async iterator: a step that is already there (the
/// synthetic model's, or one the scheduler produced while the previous one was being sent) then costs no state
/// machine, and every token of every request passes through here.
/// </summary>
internal sealed class ChoiceSteps : IAsyncDisposable
{
    // One sequence (n = 1, nearly every request) is read straight from the model; several through SequenceMerger,
    // which tags each event with its choice. Exactly one of the two is set.
    private readonly IAsyncEnumerator<GenerationEvent>? _single;
    private readonly IAsyncEnumerator<(int Index, GenerationEvent Event)>? _merged;
    private readonly RateLimitLease _lease;
    private readonly CompletionRun _run;
    private readonly bool _keepFirst;

    // Per choice, the length of the text sent so far, or -1 before the choice's first step.
    private readonly int[] _textLengths;

    /// <param name="single">The request's one sequence, or null when it has several.</param>
    /// <param name="merged">The request's sequences merged, or null when it has one.</param>
    /// <param name="lease">The request's admission, reported and released on dispose.</param>
    /// <param name="run">Started (<see cref="CompletionRun.Begin"/>) with one counter per sequence.</param>
    /// <param name="keepFirst">Whether each choice's first event is kept even without text (a chat stream's first chunk
    /// carries the role); otherwise only events with text, logprobs or a finish reason are.</param>
    private ChoiceSteps(
        IAsyncEnumerator<GenerationEvent>? single,
        IAsyncEnumerator<(int Index, GenerationEvent Event)>? merged,
        RateLimitLease lease,
        CompletionRun run,
        bool keepFirst)
    {
        _single = single;
        _merged = merged;
        _lease = lease;
        _run = run;
        _keepFirst = keepFirst;
        _textLengths = new int[run.CompletionTokens.Length];
        Array.Fill(_textLengths, -1);
    }

    public ChoiceStep Current { get; private set; }

    /// <summary>
    /// Starts an admitted request's sequences (<paramref name="run"/> begun). If the model refuses them (overloaded,
    /// past its context), the lease is corrected to the prompt tokens, which is all the request used, and released.
    /// </summary>
    public static ChoiceSteps Start(
        IChatModel model, IReadOnlyList<GenerationRequest> sequences, RateLimitLease lease, CompletionRun run, bool keepFirst,
        CancellationToken cancellationToken)
    {
        try
        {
            return sequences.Count == 1
                ? new ChoiceSteps(model.GenerateAsync(sequences[0], cancellationToken).GetAsyncEnumerator(), null, lease, run, keepFirst)
                : new ChoiceSteps(null, SequenceMerger.MergeAsync(model, sequences, cancellationToken).GetAsyncEnumerator(), lease, run, keepFirst);
        }
        catch
        {
            lease.ReportUsage(run.PromptTokens);
            lease.Dispose();
            throw;
        }
    }

    public ValueTask<bool> MoveNextAsync()
    {
        while (true)
        {
            var next = NextEvent();
            if (!next.IsCompletedSuccessfully)
            {
                return AwaitNextAsync(next);
            }

            if (!next.Result)
            {
                return new ValueTask<bool>(false);
            }

            if (Accept())
            {
                return new ValueTask<bool>(true);
            }
        }
    }

    private ValueTask<bool> NextEvent() => _single is not null ? _single.MoveNextAsync() : _merged!.MoveNextAsync();

    // Pooled: with the real engine most steps arrive asynchronously, one per token.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> AwaitNextAsync(ValueTask<bool> pending)
    {
        while (await pending.ConfigureAwait(false))
        {
            if (Accept())
            {
                return true;
            }

            pending = NextEvent();
        }

        return false;
    }

    /// <summary>Counts the event and makes it <see cref="Current"/> if it is worth sending.</summary>
    private bool Accept()
    {
        var (index, step) = _single is not null ? (0, _single.Current) : _merged!.Current;
        _run.CompletionTokens[index] = step.CompletionTokens;
        var sent = _textLengths[index];
        var first = sent < 0;
        if ((!first || !_keepFirst) && step.TextDelta.Length == 0 && step.FinishReason is null && step.LogProbs is null)
        {
            return false;
        }

        sent = Math.Max(sent, 0);
        Current = new ChoiceStep(index, step, first, sent);
        _textLengths[index] = sent + step.TextDelta.Length;
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            // Stops sequences still running (a failure, a disconnect) so they free their caches.
            await (_single is not null ? _single.DisposeAsync() : _merged!.DisposeAsync()).ConfigureAwait(false);
        }
        finally
        {
            _lease.ReportUsage(_run.PromptTokens + _run.CompletionTokens.Sum());
            _lease.Dispose();
        }
    }
}
