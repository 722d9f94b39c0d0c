namespace Inference.Access.Limits;

/// <summary>Where rate limit state lives.</summary>
public enum RateLimitBackendKind
{
    /// <summary>In this process: each replica has its own budget.</summary>
    InProcess = 0,

    /// <summary>In Redis: replicas share one budget.</summary>
    Redis = 1,
}
