namespace Inference.Access.Limits;

/// <summary>What admission does while Redis is unreachable.</summary>
public enum RedisFailureMode
{
    /// <summary>Admit requests without limits (availability over enforcement).</summary>
    FailOpen = 0,

    /// <summary>Refuse requests with <see cref="RateLimitRefusal.Unavailable"/> (enforcement over availability).</summary>
    FailClosed = 1,
}
