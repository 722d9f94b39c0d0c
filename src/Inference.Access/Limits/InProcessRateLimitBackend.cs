using System.Collections.Concurrent;

namespace Inference.Access.Limits;

/// <summary>
/// Exact per-key limits in this process's memory: each replica enforces its own budget. Admission takes one
/// short lock per key and allocates only the lease.
/// </summary>
public sealed class InProcessRateLimitBackend : IRateLimitBackend, ILeaseOwner
{
    // Unlimited keys share one lease with nothing to release: the cheapest admission there is.
    private static readonly RateLimitLease Unlimited = new(null, RateLimitRefusal.None, null, default, default);
    private static readonly TimeSpan ConcurrencyRetryAfter = TimeSpan.FromSeconds(1);

    // Never pruned: it holds one small entry per key that made a request, bounded by the key table.
    private readonly ConcurrentDictionary<string, PartitionState> _partitions = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly double _msPerTick;

    /// <summary>Creates the backend.</summary>
    /// <param name="timeProvider">Clock for refills; the system clock by default.</param>
    public InProcessRateLimitBackend(TimeProvider? timeProvider = null)
    {
        _time = timeProvider ?? TimeProvider.System;
        _msPerTick = 1000.0 / _time.TimestampFrequency;
    }

    /// <inheritdoc />
    public ValueTask<RateLimitLease> AdmitAsync(string partition, RateLimits limits, int tokens, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(partition);
        ArgumentOutOfRangeException.ThrowIfNegative(tokens);
        return new ValueTask<RateLimitLease>(Admit(partition, limits, tokens));
    }

    /// <summary>The synchronous admission behind <see cref="AdmitAsync"/>; it never waits.</summary>
    internal RateLimitLease Admit(string partition, RateLimits limits, int tokens)
    {
        if (limits.IsUnlimited)
        {
            return Unlimited;
        }

        var state = _partitions.GetOrAdd(partition, static _ => new PartitionState());
        var nowMs = _time.GetTimestamp() * _msPerTick;
        long rpm = limits.RequestsPerMinute ?? 0;
        long tpm = limits.TokensPerMinute ?? 0;

        lock (state.Gate)
        {
            var refusal = RateLimitRefusal.None;
            double retryMs = 0;
            var retryPossible = true;

            if (limits.MaxConcurrency is { } maxConcurrency && state.InFlight >= maxConcurrency)
            {
                refusal = RateLimitRefusal.Concurrency;
                retryMs = ConcurrencyRetryAfter.TotalMilliseconds;
            }

            if (rpm > 0 && state.Requests.Refill(rpm, nowMs) < 1)
            {
                refusal = refusal == RateLimitRefusal.None ? RateLimitRefusal.Requests : refusal;
                retryMs = Math.Max(retryMs, state.Requests.MsUntil(1, rpm));
            }

            if (tpm > 0)
            {
                var level = state.Tokens.Refill(tpm, nowMs);
                if (tokens > tpm)
                {
                    refusal = refusal == RateLimitRefusal.None ? RateLimitRefusal.Tokens : refusal;
                    retryPossible = false;
                }
                else if (level < tokens)
                {
                    refusal = refusal == RateLimitRefusal.None ? RateLimitRefusal.Tokens : refusal;
                    retryMs = Math.Max(retryMs, state.Tokens.MsUntil(tokens, tpm));
                }
            }

            if (refusal == RateLimitRefusal.None)
            {
                if (rpm > 0)
                {
                    state.Requests.Take(1, rpm);
                }

                if (tpm > 0)
                {
                    state.Tokens.Take(tokens, tpm);
                }

                state.InFlight++;
            }

            var requests = rpm > 0 ? state.Requests.Status(rpm) : default;
            var tokenStatus = tpm > 0 ? state.Tokens.Status(tpm) : default;
            TimeSpan? retryAfter = refusal == RateLimitRefusal.None || !retryPossible ? null : TimeSpan.FromMilliseconds(retryMs);
            return new RateLimitLease(this, refusal, retryAfter, requests, tokenStatus, partition, limits, tokens);
        }
    }

    ValueTask ILeaseOwner.ReleaseAsync(RateLimitLease lease, long tokenCorrection, bool untilStored)
    {
        if (_partitions.TryGetValue(lease.Partition, out var state))
        {
            lock (state.Gate)
            {
                state.InFlight = Math.Max(0, state.InFlight - 1);
                if (tokenCorrection != 0 && lease.Limits.TokensPerMinute is { } tpm)
                {
                    state.Tokens.Refill(tpm, _time.GetTimestamp() * _msPerTick);
                    state.Tokens.Take(tokenCorrection, tpm);
                }
            }
        }

        return ValueTask.CompletedTask;
    }

    private sealed class PartitionState
    {
        public readonly Lock Gate = new();
        public TokenBucket Requests;
        public TokenBucket Tokens;
        public int InFlight;
    }
}
