using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Inference.Engine;

namespace Inference.Server.Services;

/// <summary>Runs the n sequences of one request side by side and yields their events as they come, tagged with
/// the sequence's index. One sequence is passed straight through.</summary>
internal static class SequenceMerger
{
    public static IAsyncEnumerable<(int Index, GenerationEvent Event)> MergeAsync(
        IChatModel model, IReadOnlyList<GenerationRequest> requests, CancellationToken cancellationToken) =>
        requests.Count == 1 ? new Single(model.GenerateAsync(requests[0], cancellationToken)) : MergeManyAsync(model, requests, cancellationToken);

    private static async IAsyncEnumerable<(int Index, GenerationEvent Event)> MergeManyAsync(
        IChatModel model, IReadOnlyList<GenerationRequest> requests, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var channel = Channel.CreateUnbounded<(int, GenerationEvent)>(new UnboundedChannelOptions { SingleReader = true });
        var pumps = new Task[requests.Count];
        var remaining = new StrongBox<int>(requests.Count);
        for (var i = 0; i < requests.Count; i++)
        {
            pumps[i] = PumpAsync(model, requests[i], i, channel.Writer, remaining, stop.Token);
        }

        try
        {
            await foreach (var item in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return item;
            }
        }
        finally
        {
            // Leaving early (a failure, a disconnect) cancels the other sequences so they free their caches.
            await stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await Task.WhenAll(pumps).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Expected: the pumps were cancelled above.
            }
        }
    }

    private static async Task PumpAsync(
        IChatModel model,
        GenerationRequest request,
        int index,
        ChannelWriter<(int, GenerationEvent)> writer,
        StrongBox<int> remaining,
        CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var item in model.GenerateAsync(request, cancellationToken).ConfigureAwait(false))
            {
                await writer.WriteAsync((index, item), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception exception)
        {
            writer.TryComplete(exception);
            return;
        }

        if (Interlocked.Decrement(ref remaining.Value) == 0)
        {
            writer.TryComplete();
        }
    }

    /// <summary>One sequence needs no merging: its events pass straight through, tagged 0, without an async state
    /// machine of their own (a layer every token of every request would otherwise pay for).</summary>
    /// <summary>One sequence's events, each with index 0: the sequence's own enumerator behind one object that is
    /// both the enumerable and its enumerator (enumerable once, as the engine's sequences are).</summary>
    private sealed class Single(IAsyncEnumerable<GenerationEvent> events) :
        IAsyncEnumerable<(int Index, GenerationEvent Event)>, IAsyncEnumerator<(int Index, GenerationEvent Event)>
    {
        private IAsyncEnumerator<GenerationEvent>? _inner;

        public (int Index, GenerationEvent Event) Current => (0, Inner.Current);

        private IAsyncEnumerator<GenerationEvent> Inner =>
            _inner ?? throw new InvalidOperationException("GetAsyncEnumerator has not been called.");

        public IAsyncEnumerator<(int Index, GenerationEvent Event)> GetAsyncEnumerator(CancellationToken cancellationToken = default)
        {
            if (_inner is not null)
            {
                throw new InvalidOperationException("A sequence is enumerated once.");
            }

            _inner = events.GetAsyncEnumerator(cancellationToken);
            return this;
        }

        public ValueTask<bool> MoveNextAsync() => Inner.MoveNextAsync();

        public ValueTask DisposeAsync() => Inner.DisposeAsync();
    }
}
