using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Inference.Engine;

namespace Inference.Server.Services;

/// <summary>Runs the several sequences of one request (n > 1) side by side and yields their events as they come,
/// tagged with the sequence's index. (<see cref="ChoiceSteps"/> reads a single sequence directly.)</summary>
internal static class SequenceMerger
{
    public static async IAsyncEnumerable<(int Index, GenerationEvent Event)> MergeAsync(
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
}
