namespace Inference.Access.Limits;

/// <summary>
/// Server-side scripts, so that checking and consuming every limit is one atomic step shared by all
/// replicas. The clock is Redis's own (<c>TIME</c>), so replicas with skewed clocks still agree.
/// Buckets are hashes {l = level, t = last update in ms}; an absent bucket is full, and each one expires
/// once it would be full again, so idle keys leave nothing behind.
/// </summary>
internal static class RedisScripts
{
    private const string Common = """
        local clock = redis.call('TIME')
        local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)

        local function level(key, limit)
          local v = redis.call('HMGET', key, 'l', 't')
          local l = tonumber(v[1])
          if l == nil then return limit end
          local elapsed = now - tonumber(v[2])
          if elapsed < 0 then elapsed = 0 end
          return math.min(limit, l + elapsed * limit / 60000)
        end

        local function store(key, limit, l)
          redis.call('HSET', key, 'l', tostring(l), 't', now)
          redis.call('PEXPIRE', key, math.ceil((limit - l) * 60000 / limit) + 1000)
        end

        local function reset(limit, l)
          if l >= limit then return 0 end
          return math.ceil((limit - l) * 60000 / limit)
        end
        """;

    /// <summary>
    /// KEYS: requests bucket, tokens bucket, concurrency set. ARGV: rpm, tpm, concurrency (0 = unlimited),
    /// tokens, lease id, concurrency lease TTL in ms.
    /// Returns {refusal, retry-after ms (-1 = never), requests remaining, requests reset ms, tokens remaining,
    /// tokens reset ms}; refusal codes are <see cref="RateLimitRefusal"/> values.
    /// </summary>
    internal const string Admit = Common + """

        local rpm = tonumber(ARGV[1])
        local tpm = tonumber(ARGV[2])
        local conc = tonumber(ARGV[3])
        local cost = tonumber(ARGV[4])
        local refused = 0
        local retry = 0

        if conc > 0 then
          redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - tonumber(ARGV[6]))
          if redis.call('ZCARD', KEYS[3]) >= conc then
            refused = 3
            retry = 1000
          end
        end

        local rl = 0
        if rpm > 0 then
          rl = level(KEYS[1], rpm)
          if rl < 1 then
            if refused == 0 then refused = 1 end
            retry = math.max(retry, math.ceil((1 - rl) * 60000 / rpm))
          end
        end

        local tl = 0
        local never = false
        if tpm > 0 then
          tl = level(KEYS[2], tpm)
          if cost > tpm then
            if refused == 0 then refused = 2 end
            never = true
          elseif tl < cost then
            if refused == 0 then refused = 2 end
            retry = math.max(retry, math.ceil((cost - tl) * 60000 / tpm))
          end
        end
        if never then retry = -1 end

        if refused == 0 then
          if rpm > 0 then
            rl = rl - 1
            store(KEYS[1], rpm, rl)
          end
          if tpm > 0 then
            tl = tl - cost
            store(KEYS[2], tpm, tl)
          end
          if conc > 0 then
            redis.call('ZADD', KEYS[3], now, ARGV[5])
            redis.call('PEXPIRE', KEYS[3], tonumber(ARGV[6]))
          end
        end

        return { refused, retry,
                 math.floor(math.max(rl, 0)), reset(rpm, rl),
                 math.floor(math.max(tl, 0)), reset(tpm, tl) }
        """;

    /// <summary>
    /// KEYS: tokens bucket, concurrency set. ARGV: tpm (0 = unlimited), token correction (actual minus admitted;
    /// negative gives back), lease id ('' = none).
    /// </summary>
    internal const string Release = Common + """

        if ARGV[3] ~= '' then redis.call('ZREM', KEYS[2], ARGV[3]) end
        local tpm = tonumber(ARGV[1])
        local delta = tonumber(ARGV[2])
        if tpm > 0 and delta ~= 0 then
          local l = math.min(tpm, level(KEYS[1], tpm) - delta)
          store(KEYS[1], tpm, l)
        end
        return 1
        """;
}
