using System.Runtime.CompilerServices;

namespace Inference.Server.Tests.Support;

/// <summary>Bounds every awaited call, so a hang fails fast with a message (as grpc-dotnet's tests do).</summary>
internal static class TimeoutExtensions
{
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(30);

    public static Task<T> DefaultTimeout<T>(this Task<T> task, [CallerArgumentExpression(nameof(task))] string? what = null) =>
        task.WaitAsync(Default).ContinueWith(
            t => t.Exception?.InnerException is TimeoutException ? throw new TimeoutException($"Timed out after {Default}: {what}") : t.GetAwaiter().GetResult(),
            TaskScheduler.Default);

    public static Task DefaultTimeout(this Task task, [CallerArgumentExpression(nameof(task))] string? what = null) =>
        task.WaitAsync(Default).ContinueWith(
            t =>
            {
                if (t.Exception?.InnerException is TimeoutException)
                {
                    throw new TimeoutException($"Timed out after {Default}: {what}");
                }

                t.GetAwaiter().GetResult();
            },
            TaskScheduler.Default);

    public static Task<T> DefaultTimeout<T>(this ValueTask<T> task, [CallerArgumentExpression(nameof(task))] string? what = null) =>
        task.AsTask().DefaultTimeout(what);

    /// <summary>Collects a stream within the default bound.</summary>
    public static async Task<List<T>> CollectAsync<T>(this IAsyncEnumerable<T> source, [CallerArgumentExpression(nameof(source))] string? what = null)
    {
        using var timeout = new CancellationTokenSource(Default);
        var list = new List<T>();
        try
        {
            await foreach (var item in source.WithCancellation(timeout.Token).ConfigureAwait(false))
            {
                list.Add(item);
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new TimeoutException($"Timed out after {Default}: {what}");
        }

        return list;
    }

    /// <summary>A token that cancels after the default bound, for APIs that take one.</summary>
    public static CancellationToken Token() => new CancellationTokenSource(Default).Token;
}
