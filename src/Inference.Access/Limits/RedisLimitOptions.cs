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
    /// How often each replica gives the budget it drew but did not use back to Redis, and tells Redis it is alive.
    /// A replica holds spare budget at most this long.
    /// </summary>
    public TimeSpan SyncInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The concurrency slots of a replica not heard from for this long are freed: a replica that died cannot release
    /// them. Several sync intervals, so that a replica that is alive is never mistaken for a dead one.
    /// </summary>
    public TimeSpan ReplicaTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
