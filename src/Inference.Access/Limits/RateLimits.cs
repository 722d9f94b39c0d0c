namespace Inference.Access.Limits;

/// <summary>The limits of one partition (an API key); <see langword="null"/> means unlimited.</summary>
/// <param name="RequestsPerMinute">Requests per minute.</param>
/// <param name="TokensPerMinute">Tokens (prompt plus completion) per minute.</param>
/// <param name="MaxConcurrency">Requests in flight at once.</param>
public readonly record struct RateLimits(int? RequestsPerMinute, int? TokensPerMinute, int? MaxConcurrency)
{
    /// <summary>No limits at all.</summary>
    public static RateLimits None => default;

    /// <summary>Whether nothing is limited, so admission has nothing to check.</summary>
    public bool IsUnlimited => RequestsPerMinute is null && TokensPerMinute is null && MaxConcurrency is null;
}
