namespace Inference.Access.Tests.Infrastructure;

/// <summary>Bounds every await in a test, so a hang fails fast with a message.</summary>
internal static class TestTimeouts
{
    internal static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    internal static Task<T> DefaultTimeout<T>(this ValueTask<T> task) => task.AsTask().WaitAsync(Timeout);

    internal static Task<T> DefaultTimeout<T>(this Task<T> task) => task.WaitAsync(Timeout);

    internal static Task DefaultTimeout(this ValueTask task) => task.AsTask().WaitAsync(Timeout);

    internal static Task DefaultTimeout(this Task task) => task.WaitAsync(Timeout);

    /// <summary>Polls <paramref name="condition"/> until it holds or the timeout passes.</summary>
    internal static async Task<bool> Eventually(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (await condition().DefaultTimeout())
            {
                return true;
            }

            await Task.Delay(25);
        }

        return false;
    }
}
