using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Inference.Access.Limits;

/// <summary>
/// Limits shared by every replica through Redis. A replica draws a key's budget from Redis in blocks and admits
/// requests from its block in memory, so a request costs a round trip only when the block is spent: a draw takes what
/// the waiting requests need plus a spare of 1% of the key's limit (at most <see cref="MaxSpareRequests"/> requests,
/// <see cref="MaxSpareSlots"/> concurrency slots; nothing for limits under 100, which stay exact). Every
/// <see cref="RedisLimitOptions.SyncInterval"/> the budget drawn and not used goes back, and the replica tells Redis
/// which concurrency slots it holds, which doubles as its heartbeat. So the combined limit is never exceeded, and a
/// spare sits unused on one replica for at most one sync interval (a request on another replica can be refused
/// meanwhile). While Redis is unreachable, admission beyond the drawn budget follows
/// <see cref="RedisLimitOptions.FailureMode"/> within <see cref="RedisLimitOptions.OperationTimeout"/>, never throws, and
/// resumes on its own when Redis is back.
/// </summary>
public sealed class RedisRateLimitBackend : IRateLimitBackend, ILeaseOwner, IAsyncDisposable, IDisposable
{
    /// <summary>The most requests a spare holds, however high the limit.</summary>
    public const long MaxSpareRequests = 1000;

    /// <summary>The most concurrency slots a spare holds, however high the limit.</summary>
    public const long MaxSpareSlots = 64;

    private const double SpareShare = 0.01;
    private static readonly RateLimitLease Unlimited = new(null, RateLimitRefusal.None, null, default, default);

    private readonly RedisLimitOptions _options;
    private readonly ILogger _logger;
    private readonly Task<ConnectionMultiplexer> _connection;

    // One entry per key that made a request (never pruned: bounded by the key table).
    private readonly ConcurrentDictionary<string, Partition> _partitions = new(StringComparer.Ordinal);

    // Names this replica's concurrency slots in Redis.
    private readonly RedisValue _replica = Convert.ToHexStringLower(BitConverter.GetBytes(Random.Shared.NextInt64()));
    private readonly Timer _sync;
    private int _unavailable;

    /// <summary>Creates the backend and starts connecting in the background.</summary>
    public RedisRateLimitBackend(RedisLimitOptions options, ILogger<RedisRateLimitBackend>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Configuration);
        _options = options;
        _logger = logger ?? (ILogger)NullLogger.Instance;

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
        _sync = new Timer(static self => ((RedisRateLimitBackend)self!).SyncAll(), this, options.SyncInterval, options.SyncInterval);
    }

    /// <inheritdoc />
    /// <remarks>
    /// In memory when the replica's drawn budget covers the request; otherwise one round trip draws more (one at a time
    /// per key: requests that arrive meanwhile wait for it and share what it brings).
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
        var state = _partitions.GetOrAdd(partition, static (name, prefix) => new Partition(name, prefix), _options.KeyPrefix);
        while (true)
        {
            TaskCompletionSource<DrawOutcome>? mine = null;
            Task<DrawOutcome> pending;
            Draw draw = default;
            lock (state.Gate)
            {
                if (state.TryAdmit(this, limits, tokens) is { } admitted)
                {
                    return admitted;
                }

                if (state.RoundTrip is { } inFlight)
                {
                    state.Waiting(limits, tokens);
                    pending = inFlight;
                }
                else
                {
                    mine = new TaskCompletionSource<DrawOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
                    state.RoundTrip = pending = mine.Task;
                    draw = state.PlanDraw(limits, tokens);
                }
            }

            if (mine is null)
            {
                // Another request's round trip is bringing budget: take from it when it lands, or draw next. If Redis
                // failed it, that answers this request too: waiters must not each wait out a hung Redis in turn.
                if ((await pending.ConfigureAwait(false)).Failure is { } failed)
                {
                    return Unavailable(failed);
                }

                continue;
            }

            var outcome = await RoundTripAsync(state, limits, draw, mine).ConfigureAwait(false);
            if (outcome.Failure is { } failure)
            {
                return Unavailable(failure);
            }

            MarkAvailable();
            if (outcome.Refusal != RateLimitRefusal.None)
            {
                lock (state.Gate)
                {
                    return new RateLimitLease(null, outcome.Refusal, outcome.RetryAfter, state.RequestsStatus(limits), state.TokensStatus(limits));
                }
            }

            // Drawn: at least this request's need arrived; loop to admit from it (another waiter may take it first).
        }
    }

    ValueTask ILeaseOwner.ReleaseAsync(RateLimitLease lease, long tokenCorrection, bool untilStored)
    {
        if (!_partitions.TryGetValue(lease.Partition, out var state))
        {
            return ValueTask.CompletedTask;
        }

        lock (state.Gate)
        {
            state.Release(lease.Limits, tokenCorrection);
        }

        return untilStored ? new ValueTask(SyncUntilStoredAsync(state)) : ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _sync.DisposeAsync().ConfigureAwait(false);
        try
        {
            // Give the unused budget back for the other replicas, as a sync would.
            await Task.WhenAll(_partitions.Values.Select(SyncUntilStoredAsync)).WaitAsync(_options.OperationTimeout * 2).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Redis is slow or gone: what this replica held refills or times out there.
        }

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

    private static long Spare(int? limit, long most) => limit is { } value ? Math.Min(most, (long)(value * SpareShare)) : 0;

    /// <summary>The timer's tick: every key with budget to give back or slots to vouch for syncs, unless its round trip
    /// is already under way (the next tick catches it).</summary>
    private void SyncAll()
    {
        foreach (var state in _partitions.Values)
        {
            _ = TrySyncAsync(state);
        }
    }

    private Task<DrawOutcome>? TrySyncAsync(Partition state)
    {
        TaskCompletionSource<DrawOutcome> mine;
        Draw draw;
        RateLimits limits;
        lock (state.Gate)
        {
            if (state.RoundTrip is not null || !state.HasAnythingToSync)
            {
                return null;
            }

            mine = new TaskCompletionSource<DrawOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
            state.RoundTrip = mine.Task;
            draw = state.PlanSync();
            limits = state.Limits;
        }

        return RoundTripAsync(state, limits, draw, mine);
    }

    /// <summary>Syncs the key and completes once Redis has what this replica gave back (waiting out a round trip in
    /// flight, which may have carried it already).</summary>
    private async Task SyncUntilStoredAsync(Partition state)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            if (TrySyncAsync(state) is { } sync)
            {
                await sync.ConfigureAwait(false);
                return;
            }

            Task<DrawOutcome>? inFlight;
            lock (state.Gate)
            {
                inFlight = state.RoundTrip;
            }

            if (inFlight is null)
            {
                return; // nothing left to give back
            }

            await inFlight.ConfigureAwait(false);
        }
    }

    /// <summary>One round trip: give back, state the slots held, draw; applies the answer and clears the key's round
    /// trip. Never throws: an unreachable Redis is a failure outcome.</summary>
    private async Task<DrawOutcome> RoundTripAsync(Partition state, RateLimits limits, Draw draw, TaskCompletionSource<DrawOutcome> completion)
    {
        DrawOutcome outcome;
        try
        {
            var database = await GetDatabaseAsync().ConfigureAwait(false);
            var result = await database.ScriptEvaluateAsync(RedisScripts.Draw, state.Keys,
            [
                _replica, (long)_options.ReplicaTimeout.TotalMilliseconds,
                limits.RequestsPerMinute ?? 0, limits.TokensPerMinute ?? 0, limits.MaxConcurrency ?? 0,
                draw.BackRequests, draw.BackTokens, draw.SlotsHeld,
                draw.MinRequests, draw.MaxRequests, draw.MinTokens, draw.MaxTokens, draw.MinSlots, draw.MaxSlots,
            ]).WaitAsync(_options.OperationTimeout).ConfigureAwait(false);
            var values = (long[])result!;
            outcome = new DrawOutcome(
                values[0], values[1], values[2], (RateLimitRefusal)values[3],
                values[3] == 0 || values[4] < 0 ? null : TimeSpan.FromMilliseconds(values[4]),
                values[5] / 1000.0, values[6] / 1000.0, null);
        }
        catch (Exception exception)
        {
            // Unreachable, timed out, or anything else. What was given back is lost to the other replicas until it
            // refills there; the slots are stated again, in full, by the next sync.
            if (draw.BackRequests != 0 || draw.BackTokens != 0)
            {
                Log.RedisGiveBackFailed(_logger, exception);
            }

            outcome = new DrawOutcome(0, 0, 0, RateLimitRefusal.Unavailable, null, double.NaN, double.NaN, exception);
        }

        lock (state.Gate)
        {
            state.Apply(outcome);
            state.RoundTrip = null;
        }

        completion.TrySetResult(outcome);
        return outcome;
    }

    private async ValueTask<IDatabase> GetDatabaseAsync()
    {
        var connection = _connection.IsCompletedSuccessfully
            ? _connection.Result
            : await _connection.WaitAsync(_options.OperationTimeout).ConfigureAwait(false);
        return connection.GetDatabase();
    }

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

    /// <summary>What one round trip gives back, states and asks for (minimum: the request's need; maximum: plus the
    /// waiting requests' needs and a spare).</summary>
    private readonly record struct Draw(
        long BackRequests, long BackTokens, long SlotsHeld,
        long MinRequests, long MaxRequests, long MinTokens, long MaxTokens, long MinSlots, long MaxSlots);

    /// <summary>Redis's answer: what was drawn, or why not; the buckets' levels after it (NaN when unknown).</summary>
    private sealed record DrawOutcome(
        long Requests, long Tokens, long Slots, RateLimitRefusal Refusal, TimeSpan? RetryAfter,
        double RequestsLevel, double TokensLevel, Exception? Failure);

    /// <summary>One key's budget on this replica. Every member is guarded by <see cref="Gate"/>.</summary>
    private sealed class Partition(string name, string prefix)
    {
        public readonly Lock Gate = new();

        // Hash tags keep a key's entries in one cluster slot, which a multi-key script needs.
        public readonly RedisKey[] Keys =
        [
            $"{prefix}{{{name}}}:requests",
            $"{prefix}{{{name}}}:tokens",
            $"{prefix}{{{name}}}:slots",
            $"{prefix}{{{name}}}:replicas",
        ];

        // Drawn from Redis and not yet used. Token credit goes below zero when requests used more than admitted.
        private long _requestCredit;
        private long _tokenCredit;

        // Concurrency slots Redis counts for this replica, and the requests holding one.
        private long _slotsHeld;
        private long _inFlight;

        // The buckets' levels in Redis after the last round trip, for the headers.
        private double _requestsLevel = double.NaN;
        private double _tokensLevel = double.NaN;

        // What requests waiting for the round trip in flight will want from the next one.
        private long _waitingRequests;
        private long _waitingTokens;
        private long _waitingSlots;

        public string Name { get; } = name;

        /// <summary>The key's limits as last seen (a key's limits can change while its budget is held).</summary>
        public RateLimits Limits { get; private set; }

        /// <summary>The round trip under way for this key, if any: at most one at a time.</summary>
        public Task<DrawOutcome>? RoundTrip { get; set; }

        public bool HasAnythingToSync => _requestCredit != 0 || _tokenCredit != 0 || _slotsHeld > 0;

        /// <summary>Admits from the drawn budget, or returns null when it does not cover the request.</summary>
        public RateLimitLease? TryAdmit(ILeaseOwner owner, RateLimits limits, int tokens)
        {
            Limits = limits;
            var needsSlot = limits.MaxConcurrency is not null;
            var needsRequest = limits.RequestsPerMinute is not null;
            var needsTokens = limits.TokensPerMinute is not null && tokens > 0;
            if ((needsSlot && _inFlight >= _slotsHeld) || (needsRequest && _requestCredit < 1) || (needsTokens && _tokenCredit < tokens)
                || double.IsNaN(_requestsLevel))
            {
                return null;
            }

            _requestCredit -= needsRequest ? 1 : 0;
            _tokenCredit -= needsTokens ? tokens : 0;
            _inFlight += needsSlot ? 1 : 0;
            return new RateLimitLease(owner, RateLimitRefusal.None, null, RequestsStatus(limits), TokensStatus(limits), Name, limits, tokens);
        }

        public void Waiting(RateLimits limits, int tokens)
        {
            _waitingRequests += limits.RequestsPerMinute is null ? 0 : 1;
            _waitingTokens += limits.TokensPerMinute is null ? 0 : tokens;
            _waitingSlots += limits.MaxConcurrency is null ? 0 : 1;
        }

        /// <summary>A round trip for a request the drawn budget does not cover: its shortfall at least, plus what the
        /// requests waiting meanwhile want and a spare, for each limit it falls short on; the unused rest goes back.</summary>
        public Draw PlanDraw(RateLimits limits, int tokens)
        {
            var needRequests = limits.RequestsPerMinute is null ? 0 : Math.Max(0, 1 - _requestCredit);
            var needTokens = limits.TokensPerMinute is null ? 0 : Math.Max(0, tokens - Math.Max(0, _tokenCredit));
            var needSlots = limits.MaxConcurrency is null ? 0 : Math.Max(0, _inFlight + 1 - _slotsHeld);
            var draw = new Draw(
                0, Math.Min(0, _tokenCredit), _slotsHeld,
                needRequests, needRequests == 0 ? 0 : needRequests + _waitingRequests + Spare(limits.RequestsPerMinute, MaxSpareRequests),
                needTokens, needTokens == 0 ? 0 : needTokens + _waitingTokens + Spare(limits.TokensPerMinute, long.MaxValue),
                needSlots, needSlots == 0 ? 0 : needSlots + _waitingSlots + Spare(limits.MaxConcurrency, MaxSpareSlots));

            // A debt (tokens used beyond what was drawn) is paid with this round trip.
            _tokenCredit -= draw.BackTokens;
            (_waitingRequests, _waitingTokens, _waitingSlots) = (0, 0, 0);
            return draw;
        }

        /// <summary>A sync: everything unused goes back, the slots held are those in use.</summary>
        public Draw PlanSync()
        {
            var draw = new Draw(_requestCredit, _tokenCredit, _inFlight, 0, 0, 0, 0, 0, 0);
            (_requestCredit, _tokenCredit, _slotsHeld) = (0, 0, _inFlight);
            return draw;
        }

        public void Apply(DrawOutcome outcome)
        {
            _requestCredit += outcome.Requests;
            _tokenCredit += outcome.Tokens;
            _slotsHeld += outcome.Slots;
            if (outcome.Failure is null)
            {
                (_requestsLevel, _tokensLevel) = (outcome.RequestsLevel, outcome.TokensLevel);
            }
        }

        public void Release(RateLimits limits, long tokenCorrection)
        {
            _inFlight = limits.MaxConcurrency is null ? _inFlight : Math.Max(0, _inFlight - 1);
            if (limits.TokensPerMinute is not null)
            {
                // Unused tokens (a negative correction) are budget again; overuse is a debt paid at the next round trip.
                _tokenCredit -= tokenCorrection;
            }
        }

        /// <summary>The shared budget as this replica knows it: Redis's level at the last round trip plus what this
        /// replica holds unused.</summary>
        public RateLimitStatus RequestsStatus(RateLimits limits) => Status(limits.RequestsPerMinute, _requestsLevel + _requestCredit);

        public RateLimitStatus TokensStatus(RateLimits limits) => Status(limits.TokensPerMinute, _tokensLevel + _tokenCredit);

        private static RateLimitStatus Status(int? limit, double level)
        {
            if (limit is not { } value || double.IsNaN(level))
            {
                return default;
            }

            var reset = level >= value ? 0 : Math.Ceiling((value - level) * TokenBucket.WindowMs / value);
            return new RateLimitStatus(value, Math.Max(0, (long)Math.Floor(level)), TimeSpan.FromMilliseconds(reset));
        }
    }
}
