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
    /// One partition's batch: the releases first (they free slots and give tokens back), then the admissions in
    /// order, each seeing the state the previous one left, all in one atomic step. Several callers' work in one
    /// round trip is what keeps Redis from dominating a cheap request; the outcome is the same as one script each.
    /// KEYS: requests bucket, tokens bucket, concurrency set.
    /// ARGV: concurrency lease TTL in ms, then the release count R and R triples (tpm, token correction = actual minus
    /// admitted, lease id or ''), then the admission count A and A quintuples (rpm, tpm, concurrency (0 = unlimited),
    /// tokens, lease id).
    /// Returns, per admission, {refusal, retry-after ms (-1 = never), requests remaining, requests reset ms,
    /// tokens remaining, tokens reset ms}; refusal codes are <see cref="RateLimitRefusal"/> values.
    /// </summary>
    internal const string Batch = Common + """

        local ttl = tonumber(ARGV[1])

        local function release(tpm, delta, lease)
          if lease ~= '' then redis.call('ZREM', KEYS[3], lease) end
          if tpm > 0 and delta ~= 0 then
            store(KEYS[2], tpm, math.min(tpm, level(KEYS[2], tpm) - delta))
          end
        end

        local function admit(rpm, tpm, conc, cost, lease)
          local refused = 0
          local retry = 0
          if conc > 0 then
            redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - ttl)
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
              redis.call('ZADD', KEYS[3], now, lease)
              redis.call('PEXPIRE', KEYS[3], ttl)
            end
          end

          return refused, retry, math.floor(math.max(rl, 0)), reset(rpm, rl), math.floor(math.max(tl, 0)), reset(tpm, tl)
        end

        local at = 2
        local releases = tonumber(ARGV[at])
        for i = 1, releases do
          release(tonumber(ARGV[at + 1]), tonumber(ARGV[at + 2]), ARGV[at + 3])
          at = at + 3
        end

        at = at + 1
        local admissions = tonumber(ARGV[at])
        local out = {}
        for i = 1, admissions do
          local a, b, c, d, e, f = admit(tonumber(ARGV[at + 1]), tonumber(ARGV[at + 2]), tonumber(ARGV[at + 3]),
                                         tonumber(ARGV[at + 4]), ARGV[at + 5])
          out[#out + 1] = a
          out[#out + 1] = b
          out[#out + 1] = c
          out[#out + 1] = d
          out[#out + 1] = e
          out[#out + 1] = f
          at = at + 5
        end
        return out
        """;
}
