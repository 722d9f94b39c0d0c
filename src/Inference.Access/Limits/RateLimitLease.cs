namespace Inference.Access.Limits;

/// <summary>
/// The outcome of an admission, and for an admitted request the lease on its budget: dispose it when the
/// request ends, after <see cref="ReportUsage"/> when the actual token count is known.
/// </summary>
public sealed class RateLimitLease : IAsyncDisposable, IDisposable
{
    private readonly ILeaseOwner? _owner;
    private long _usedTokens = -1;
    private int _released;

    internal RateLimitLease(
        ILeaseOwner? owner,
        RateLimitRefusal refusedBy,
        TimeSpan? retryAfter,
        RateLimitStatus requests,
        RateLimitStatus tokens,
        string partition = "",
        RateLimits limits = default,
        long admittedTokens = 0)
    {
        _owner = refusedBy == RateLimitRefusal.None ? owner : null;
        RefusedBy = refusedBy;
        RetryAfter = retryAfter;
        Requests = requests;
        Tokens = tokens;
        Partition = partition;
        Limits = limits;
        AdmittedTokens = admittedTokens;
    }

    /// <summary>Whether the request may proceed.</summary>
    public bool IsAllowed => RefusedBy == RateLimitRefusal.None;

    /// <summary>Which limit refused the request, or <see cref="RateLimitRefusal.None"/>.</summary>
    public RateLimitRefusal RefusedBy { get; }

    /// <summary>
    /// For a refused request, when to try again (the <c>Retry-After</c> header, gRPC <c>RetryInfo</c>);
    /// <see langword="null"/> when retrying the same request cannot succeed (it exceeds the limit alone).
    /// </summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>Requests-per-minute state after this admission.</summary>
    public RateLimitStatus Requests { get; }

    /// <summary>Tokens-per-minute state after this admission.</summary>
    public RateLimitStatus Tokens { get; }

    internal string Partition { get; }

    internal RateLimits Limits { get; }

    internal long AdmittedTokens { get; }

    /// <summary>
    /// Records the tokens the request actually used (prompt plus generated), so that disposing the lease
    /// corrects the admitted estimate: unused tokens go back to the budget, overuse is charged.
    /// </summary>
    public void ReportUsage(long totalTokens)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(totalTokens);
        Interlocked.Exchange(ref _usedTokens, totalTokens);
    }

    /// <summary>
    /// Releases the lease on this replica at once, without waiting for a shared limit store: for a request whose
    /// answer should not wait on a round trip. This replica's next admissions see the release; other replicas see it
    /// when the Redis backend next syncs (within its sync interval). Safe to call more than once, and with
    /// <see cref="DisposeAsync"/>.
    /// </summary>
    public void Dispose() => _ = ReleaseAsync(untilStored: false).AsTask();

    /// <summary>Releases the concurrency slot and applies the token correction, and completes once the limit store has
    /// them; safe to call more than once.</summary>
    public ValueTask DisposeAsync() => ReleaseAsync(untilStored: true);

    private ValueTask ReleaseAsync(bool untilStored)
    {
        if (_owner is null || Interlocked.Exchange(ref _released, 1) != 0)
        {
            return ValueTask.CompletedTask;
        }

        var used = Interlocked.Read(ref _usedTokens);
        var correction = used < 0 ? 0 : used - AdmittedTokens;
        return _owner.ReleaseAsync(this, correction, untilStored);
    }
}
