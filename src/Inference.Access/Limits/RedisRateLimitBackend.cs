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

    // One queue per partition (never pruned: one small entry per key that made a request, bounded by the key table).
    private readonly ConcurrentDictionary<string, PartitionQueue> _queues = new(StringComparer.Ordinal);
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
    /// <remarks>
    /// Admissions and releases of one partition that arrive while its round trip is in flight go out together in the
    /// next one (see <see cref="RedisScripts.Batch"/>), so a busy key costs far fewer round trips than requests.
    /// Once queued, an admission waits for its answer for at most <see cref="RedisLimitOptions.OperationTimeout"/>
    /// whatever <paramref name="cancellationToken"/> says: it may already be applied in Redis, and a slot nobody
    /// holds would otherwise stay taken.
    /// </remarks>
    public async ValueTask<RateLimitLease> AdmitAsync(string partition, RateLimits limits, int tokens, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(partition);
        ArgumentOutOfRangeException.ThrowIfNegative(tokens);
        if (limits.IsUnlimited)
        {
            return Unlimited;
        }

        cancellationToken.ThrowIfCancellationRequested();
        var leaseId = limits.MaxConcurrency is null ? RedisValue.EmptyString : (RedisValue)Guid.NewGuid().ToString("N");
        var admission = new PendingAdmission(limits, tokens, leaseId);
        Enqueue(partition, admission, release: null);
        var (values, failure) = await admission.Outcome.Task.ConfigureAwait(false);
        if (values is null)
        {
            return Unavailable(failure!);
        }

        MarkAvailable();
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

    ValueTask ILeaseOwner.ReleaseAsync(RateLimitLease lease, long tokenCorrection)
    {
        var tpm = lease.Limits.TokensPerMinute ?? 0;
        if (lease.LeaseId is null && (tpm == 0 || tokenCorrection == 0))
        {
            return ValueTask.CompletedTask;
        }

        // Awaited, so that a caller who disposes a lease and admits again (here or on another replica) sees the slot
        // free; the round trip is shared with whatever else this partition has queued.
        var release = new PendingRelease(tpm, tokenCorrection, lease.LeaseId ?? string.Empty);
        Enqueue(lease.Partition, admission: null, release);
        return new ValueTask(release.Done.Task);
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

    private void Enqueue(string partition, PendingAdmission? admission, PendingRelease? release)
    {
        var queue = _queues.GetOrAdd(partition, static _ => new PartitionQueue());
        bool send;
        lock (queue.Gate)
        {
            if (admission is not null)
            {
                queue.Admissions.Add(admission);
            }

            if (release is not null)
            {
                queue.Releases.Add(release);
            }

            send = !queue.Sending;
            queue.Sending = true;
        }

        if (send)
        {
            // Not awaited: it runs on to its first round trip here, then on as answers come, until the queue is empty.
            _ = SendAsync(partition, queue);
        }
    }

    /// <summary>One round trip per turn, carrying everything queued for the partition, until nothing is.</summary>
    private async Task SendAsync(string partition, PartitionQueue queue)
    {
        while (true)
        {
            List<PendingAdmission> admissions;
            List<PendingRelease> releases;
            lock (queue.Gate)
            {
                if (queue.Admissions.Count == 0 && queue.Releases.Count == 0)
                {
                    queue.Sending = false;
                    return;
                }

                (admissions, queue.Admissions) = (queue.Admissions, []);
                (releases, queue.Releases) = (queue.Releases, []);
            }

            var arguments = new RedisValue[3 + (releases.Count * 3) + (admissions.Count * 5)];
            var at = 0;
            arguments[at++] = _leaseTtlMs;
            arguments[at++] = releases.Count;
            foreach (var release in releases)
            {
                arguments[at++] = release.TokensPerMinute;
                arguments[at++] = release.TokenCorrection;
                arguments[at++] = release.LeaseId;
            }

            arguments[at++] = admissions.Count;
            foreach (var admission in admissions)
            {
                arguments[at++] = admission.Limits.RequestsPerMinute ?? 0;
                arguments[at++] = admission.Limits.TokensPerMinute ?? 0;
                arguments[at++] = admission.Limits.MaxConcurrency ?? 0;
                arguments[at++] = admission.Tokens;
                arguments[at++] = admission.LeaseId;
            }

            long[] values;
            try
            {
                var database = await GetDatabaseAsync(CancellationToken.None).ConfigureAwait(false);
                var result = await database.ScriptEvaluateAsync(RedisScripts.Batch, KeysFor(partition), arguments)
                    .WaitAsync(_options.OperationTimeout)
                    .ConfigureAwait(false);
                values = (long[])result!;
            }
            catch (Exception exception)
            {
                // Unreachable, timed out, or anything else: every waiter gets the failure policy's answer, none hangs.
                if (releases.Count > 0)
                {
                    // The slots expire with ConcurrencyLeaseTtl and the tokens refill; the budget heals without us.
                    Log.RedisReleaseFailed(_logger, exception);
                }

                foreach (var release in releases)
                {
                    release.Done.TrySetResult();
                }

                foreach (var admission in admissions)
                {
                    admission.Outcome.TrySetResult((null, exception));
                }

                continue;
            }

            foreach (var release in releases)
            {
                release.Done.TrySetResult();
            }

            for (var i = 0; i < admissions.Count; i++)
            {
                admissions[i].Outcome.TrySetResult((values.AsSpan(i * 6, 6).ToArray(), null));
            }
        }
    }

    // Hash tags keep a key's three entries in one cluster slot, which a multi-key script needs.
    private RedisKey[] KeysFor(string partition) =>
        _keys.GetOrAdd(partition, static (p, prefix) =>
        [
            $"{prefix}{{{p}}}:requests",
            $"{prefix}{{{p}}}:tokens",
            $"{prefix}{{{p}}}:inflight",
        ], _options.KeyPrefix);

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

    private sealed class PartitionQueue
    {
        public readonly Lock Gate = new();
        public List<PendingAdmission> Admissions = [];
        public List<PendingRelease> Releases = [];
        public bool Sending;
    }

    private sealed class PendingAdmission(RateLimits limits, int tokens, RedisValue leaseId)
    {
        public RateLimits Limits { get; } = limits;

        public int Tokens { get; } = tokens;

        public RedisValue LeaseId { get; } = leaseId;

        /// <summary>The script's six values for this admission, or the failure that left Redis unreachable.</summary>
        public TaskCompletionSource<(long[]? Values, Exception? Failure)> Outcome { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class PendingRelease(long tokensPerMinute, long tokenCorrection, string leaseId)
    {
        public long TokensPerMinute { get; } = tokensPerMinute;

        public long TokenCorrection { get; } = tokenCorrection;

        public string LeaseId { get; } = leaseId;

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
