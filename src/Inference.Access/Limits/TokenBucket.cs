namespace Inference.Access.Limits;

/// <summary>
/// A per-minute budget that refills continuously (capacity <c>limit</c>, refill <c>limit</c> per minute), the
/// model OpenAI's headers describe: "reset" is the time until the budget is full again. The Redis script
/// implements the same arithmetic so both backends answer alike. A level below zero is debt from usage that
/// exceeded what was admitted.
/// </summary>
internal struct TokenBucket
{
    internal const double WindowMs = 60_000;

    private double _level;
    private double _stampMs;
    private bool _started;

    /// <summary>The level at <paramref name="nowMs"/>, refilled and stored.</summary>
    internal double Refill(long limit, double nowMs)
    {
        if (!_started)
        {
            _started = true;
            _level = limit;
        }
        else if (nowMs > _stampMs)
        {
            _level = Math.Min(limit, _level + ((nowMs - _stampMs) * limit / WindowMs));
        }
        else
        {
            // A smaller limit than before (the key was changed) must not leave more than the new capacity.
            _level = Math.Min(limit, _level);
        }

        _stampMs = Math.Max(_stampMs, nowMs);
        return _level;
    }

    internal void Take(double amount, long limit) => _level = Math.Min(limit, _level - amount);

    internal readonly RateLimitStatus Status(long limit) =>
        new(limit, Math.Max(0, (long)Math.Floor(_level)), TimeSpan.FromMilliseconds(MsUntil(limit, limit)));

    /// <summary>Milliseconds until the level reaches <paramref name="amount"/>.</summary>
    internal readonly double MsUntil(double amount, long limit) =>
        _level >= amount ? 0 : Math.Ceiling((amount - _level) * WindowMs / limit);
}
