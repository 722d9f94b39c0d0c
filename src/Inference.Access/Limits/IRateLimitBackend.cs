namespace Inference.Access.Limits;

/// <summary>
/// Admits a request against a partition's limits (requests and tokens per minute, concurrency) and hands back
/// a lease to dispose when the request ends.
/// </summary>
public interface IRateLimitBackend
{
    /// <summary>
    /// Checks and, when every limit allows it, consumes one request and <paramref name="tokens"/> tokens at once.
    /// Never throws for an unreachable store: that follows the configured failure mode.
    /// </summary>
    /// <param name="partition">Whose budget (the API key id).</param>
    /// <param name="limits">The partition's limits.</param>
    /// <param name="tokens">Prompt tokens plus requested completion tokens; corrected with <see cref="RateLimitLease.ReportUsage"/>.</param>
    /// <param name="cancellationToken">Cancels waiting on the store.</param>
    /// <returns>The lease; check <see cref="RateLimitLease.IsAllowed"/>, and dispose it when the request ends.</returns>
    ValueTask<RateLimitLease> AdmitAsync(string partition, RateLimits limits, int tokens, CancellationToken cancellationToken = default);
}
