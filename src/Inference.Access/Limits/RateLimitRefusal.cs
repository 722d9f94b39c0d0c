namespace Inference.Access.Limits;

/// <summary>Which limit refused an admission.</summary>
public enum RateLimitRefusal
{
    /// <summary>Not refused.</summary>
    None = 0,

    /// <summary>Requests per minute exhausted.</summary>
    Requests = 1,

    /// <summary>Tokens per minute exhausted (or the request alone exceeds the limit: then no retry-after).</summary>
    Tokens = 2,

    /// <summary>Too many requests in flight for this key.</summary>
    Concurrency = 3,

    /// <summary>The shared limit store is unreachable and the policy is to fail closed.</summary>
    Unavailable = 4,
}
