namespace Inference.Access.Limits;

/// <summary>Settings of <see cref="RedisRateLimitBackend"/>, bindable from configuration.</summary>
public sealed class RedisLimitOptions
{
    /// <summary>StackExchange.Redis configuration string, for example <c>127.0.0.1:6379</c>.</summary>
    public string Configuration { get; set; } = "127.0.0.1:6379";

    /// <summary>Prefix of every Redis key this backend writes, so several deployments can share a server.</summary>
    public string KeyPrefix { get; set; } = "inference:rl:";

    /// <summary>Whether to admit or refuse while Redis is unreachable.</summary>
    public RedisFailureMode FailureMode { get; set; } = RedisFailureMode.FailOpen;

    /// <summary>
    /// Bound on connecting and on each admission round trip. A dead Redis costs a request at most this long.
    /// </summary>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// How long a concurrency slot is held at most: a replica that dies with requests in flight cannot
    /// release them, so slots older than this are dropped. Longer than the longest request.
    /// </summary>
    public TimeSpan ConcurrencyLeaseTtl { get; set; } = TimeSpan.FromMinutes(10);
}
