using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Inference.Access.Limits;

/// <summary>
/// Limits shared by every replica through Redis: one atomic script per admission checks and consumes the
/// request, the tokens and a concurrency slot. While Redis is unreachable, admission follows
/// <see cref="RedisLimitOptions.FailureMode"/> within <see cref="RedisLimitOptions.OperationTimeout"/>, never
/// throws, and resumes on its own when Redis is back.
/// </summary>
public sealed class RedisRateLimitBackend : IRateLimitBackend, ILeaseOwner, IAsyncDisposable, IDisposable
{
    private static readonly RateLimitLease Unlimited = new(null, RateLimitRefusal.None, null, default, default);

    private readonly RedisLimitOptions _options;
    private readonly ILogger _logger;
    private readonly Task<ConnectionMultiplexer> _connection;
    private readonly ConcurrentDictionary<string, RedisKey[]> _keys = new(StringComparer.Ordinal);
    private readonly RedisValue _leaseTtlMs;
    private int _unavailable;

    /// <summary>Creates the backend and starts connecting in the background.</summary>
    public RedisRateLimitBackend(RedisLimitOptions options, ILogger<RedisRateLimitBackend>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Configuration);
        _options = options;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _leaseTtlMs = (long)options.ConcurrencyLeaseTtl.TotalMilliseconds;

        var timeoutMs = (int)Math.Max(1, options.OperationTimeout.TotalMilliseconds);
        var configuration = ConfigurationOptions.Parse(options.Configuration);

        // Keep the multiplexer alive and reconnecting when Redis is down at start or goes away later, and fail
        // commands at once while disconnected instead of queueing them behind a dead link.
        configuration.AbortOnConnectFail = false;
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        configuration.ConnectTimeout = timeoutMs;
        configuration.SyncTimeout = timeoutMs;
        configuration.AsyncTimeout = timeoutMs;
        configuration.ConnectRetry = 1;
        configuration.ReconnectRetryPolicy = new LinearRetry(500);
        _connection = ConnectionMultiplexer.ConnectAsync(configuration);
    }

    /// <inheritdoc />
    public async ValueTask<RateLimitLease> AdmitAsync(string partition, RateLimits limits, int tokens, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(partition);
        ArgumentOutOfRangeException.ThrowIfNegative(tokens);
        if (limits.IsUnlimited)
        {
            return Unlimited;
        }

        var leaseId = limits.MaxConcurrency is null ? RedisValue.EmptyString : (RedisValue)Guid.NewGuid().ToString("N");
        RedisResult result;
        try
        {
            var database = await GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
            result = await database.ScriptEvaluateAsync(
                    RedisScripts.Admit,
                    KeysFor(partition),
                    [
                        limits.RequestsPerMinute ?? 0,
                        limits.TokensPerMinute ?? 0,
                        limits.MaxConcurrency ?? 0,
                        tokens,
                        leaseId,
                        _leaseTtlMs,
                    ])
                .WaitAsync(_options.OperationTimeout, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (Exception exception) when (IsUnavailable(exception, cancellationToken))
        {
            return Unavailable(exception);
        }

        MarkAvailable();
        var values = (long[])result!;
        var refusal = (RateLimitRefusal)values[0];
        TimeSpan? retryAfter = refusal == RateLimitRefusal.None || values[1] < 0 ? null : TimeSpan.FromMilliseconds(values[1]);
        var requests = limits.RequestsPerMinute is { } rpm
            ? new RateLimitStatus(rpm, values[2], TimeSpan.FromMilliseconds(values[3]))
            : default;
        var tokenStatus = limits.TokensPerMinute is { } tpm
            ? new RateLimitStatus(tpm, values[4], TimeSpan.FromMilliseconds(values[5]))
            : default;
        return new RateLimitLease(
            this, refusal, retryAfter, requests, tokenStatus, partition, limits, tokens,
            leaseId.IsNullOrEmpty ? null : (string?)leaseId);
    }

    async ValueTask ILeaseOwner.ReleaseAsync(RateLimitLease lease, long tokenCorrection)
    {
        var tpm = lease.Limits.TokensPerMinute ?? 0;
        if (lease.LeaseId is null && (tpm == 0 || tokenCorrection == 0))
        {
            return;
        }

        try
        {
            var database = await GetDatabaseAsync(CancellationToken.None).ConfigureAwait(false);
            await database.ScriptEvaluateAsync(
                    RedisScripts.Release,
                    KeysFor(lease.Partition)[1..],
                    [tpm, tokenCorrection, lease.LeaseId ?? string.Empty])
                .WaitAsync(_options.OperationTimeout)
                .ConfigureAwait(false);
        }
        catch (Exception exception) when (IsUnavailable(exception, CancellationToken.None))
        {
            // The slot expires with ConcurrencyLeaseTtl and the tokens refill; the budget heals without us.
            Log.RedisReleaseFailed(_logger, exception);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try
        {
            var connection = await _connection.ConfigureAwait(false);
            await connection.DisposeAsync().ConfigureAwait(false);
        }
        catch (RedisException)
        {
            // Never connected: nothing to close.
        }
    }

    /// <inheritdoc />
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private async ValueTask<IDatabase> GetDatabaseAsync(CancellationToken cancellationToken)
    {
        var connection = _connection.IsCompletedSuccessfully
            ? _connection.Result
            : await _connection.WaitAsync(_options.OperationTimeout, cancellationToken).ConfigureAwait(false);
        return connection.GetDatabase();
    }

    // Hash tags keep a key's three entries in one cluster slot, which a multi-key script needs.
    private RedisKey[] KeysFor(string partition) =>
        _keys.GetOrAdd(partition, static (p, prefix) =>
        [
            $"{prefix}{{{p}}}:requests",
            $"{prefix}{{{p}}}:tokens",
            $"{prefix}{{{p}}}:inflight",
        ], _options.KeyPrefix);

    private static bool IsUnavailable(Exception exception, CancellationToken cancellationToken) =>
        exception is RedisException or TimeoutException
        || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    private RateLimitLease Unavailable(Exception exception)
    {
        // Log the transition, not every request: a dead Redis must not flood the logs.
        var firstFailure = Interlocked.Exchange(ref _unavailable, 1) == 0;
        if (_options.FailureMode == RedisFailureMode.FailClosed)
        {
            if (firstFailure)
            {
                Log.RedisUnavailableFailClosed(_logger, exception);
            }

            return new RateLimitLease(null, RateLimitRefusal.Unavailable, TimeSpan.FromSeconds(1), default, default);
        }

        if (firstFailure)
        {
            Log.RedisUnavailableFailOpen(_logger, exception);
        }

        return Unlimited;
    }

    private void MarkAvailable()
    {
        if (Volatile.Read(ref _unavailable) != 0 && Interlocked.Exchange(ref _unavailable, 0) != 0)
        {
            Log.RedisRecovered(_logger);
        }
    }
}
