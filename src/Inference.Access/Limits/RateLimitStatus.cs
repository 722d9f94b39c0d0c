namespace Inference.Access.Limits;

/// <summary>
/// One limit's state after an admission, for the <c>x-ratelimit-*</c> headers.
/// <see cref="Limit"/> is 0 when the limit is not set or its state is unknown (then write no headers).
/// </summary>
/// <param name="Limit">Capacity per minute.</param>
/// <param name="Remaining">What is left now.</param>
/// <param name="Reset">Time until the budget is full again.</param>
public readonly record struct RateLimitStatus(long Limit, long Remaining, TimeSpan Reset)
{
    /// <summary>Whether there is anything to report.</summary>
    public bool HasValue => Limit > 0;
}
