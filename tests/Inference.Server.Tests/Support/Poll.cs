namespace Inference.Server.Tests.Support;

/// <summary>Waits for a condition with a deadline instead of sleeping a guessed time.</summary>
internal static class Poll
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(5);

    /// <summary>Returns how long the condition took to hold; throws when it does not hold within the bound.</summary>
    public static async Task<TimeSpan> UntilAsync(Func<bool> condition, TimeSpan within, Func<string> describe)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            if (watch.Elapsed > within)
            {
                throw new TimeoutException($"Not true within {within.TotalMilliseconds} ms: {describe()}");
            }

            await Task.Delay(Interval).ConfigureAwait(false);
        }

        return watch.Elapsed;
    }

    /// <summary>The same for a condition that needs I/O (a scrape of /metrics).</summary>
    public static async Task<TimeSpan> UntilAsync(Func<Task<bool>> condition, TimeSpan within, Func<string> describe)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (!await condition().DefaultTimeout().ConfigureAwait(false))
        {
            if (watch.Elapsed > within)
            {
                throw new TimeoutException($"Not true within {within.TotalMilliseconds} ms: {describe()}");
            }

            await Task.Delay(Interval).ConfigureAwait(false);
        }

        return watch.Elapsed;
    }
}
