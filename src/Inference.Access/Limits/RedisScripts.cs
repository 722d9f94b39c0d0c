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
        """;

    /// <summary>
    /// One replica's round trip for one partition, all in one atomic step: give back the budget it drew and did not
    /// use, state how many concurrency slots it holds (a heartbeat: the slots of replicas not heard from for the
    /// timeout are freed first), then, if it asks, draw more. A draw is all or nothing for its minimum (what the
    /// waiting request needs) and takes up to its maximum (plus a spare for the requests to come) where there is room.
    /// KEYS: requests bucket, tokens bucket, slots hash (replica -> slots held), replicas sorted set (replica -> last
    /// heard from, ms).
    /// ARGV: replica, replica timeout ms, rpm, tpm, concurrency (0 = unlimited), requests given back, tokens given back
    /// (negative: used beyond what was drawn), slots held now, then minimum and maximum of requests, tokens, slots.
    /// Returns {requests drawn, tokens drawn, slots drawn, refusal, retry-after ms (-1 = never), requests level,
    /// tokens level} (levels in thousandths, after the draw); refusal codes are <see cref="RateLimitRefusal"/> values.
    /// </summary>
    internal const string Draw = Common + """

        local replica = ARGV[1]
        local timeout = tonumber(ARGV[2])
        local rpm, tpm, conc = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
        local backR, backT, held = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
        local minR, maxR = tonumber(ARGV[9]), tonumber(ARGV[10])
        local minT, maxT = tonumber(ARGV[11]), tonumber(ARGV[12])
        local minS, maxS = tonumber(ARGV[13]), tonumber(ARGV[14])

        if rpm > 0 and backR ~= 0 then store(KEYS[1], rpm, math.min(rpm, level(KEYS[1], rpm) + backR)) end
        if tpm > 0 and backT ~= 0 then store(KEYS[2], tpm, math.min(tpm, level(KEYS[2], tpm) + backT)) end

        for _, dead in ipairs(redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', now - timeout)) do
          redis.call('HDEL', KEYS[3], dead)
          redis.call('ZREM', KEYS[4], dead)
        end
        local others = 0
        local all = redis.call('HGETALL', KEYS[3])
        for i = 1, #all, 2 do
          if all[i] ~= replica then others = others + tonumber(all[i + 1]) end
        end

        local refused, retry = 0, 0
        if conc > 0 and minS > 0 and others + held + minS > conc then
          refused = 3
          retry = 1000
        end

        local rl = rpm > 0 and level(KEYS[1], rpm) or 0
        if rpm > 0 and minR > 0 and rl < minR then
          if refused == 0 then refused = 1 end
          retry = math.max(retry, math.ceil((minR - rl) * 60000 / rpm))
        end

        local tl = tpm > 0 and level(KEYS[2], tpm) or 0
        local never = false
        if tpm > 0 and minT > 0 then
          if minT > tpm then
            if refused == 0 then refused = 2 end
            never = true
          elseif tl < minT then
            if refused == 0 then refused = 2 end
            retry = math.max(retry, math.ceil((minT - tl) * 60000 / tpm))
          end
        end
        if never then retry = -1 end

        local gotR, gotT, gotS = 0, 0, 0
        if refused == 0 then
          if rpm > 0 and maxR > 0 then
            gotR = math.max(minR, math.min(maxR, math.floor(rl)))
            rl = rl - gotR
            store(KEYS[1], rpm, rl)
          end
          if tpm > 0 and maxT > 0 then
            gotT = math.max(minT, math.min(maxT, math.floor(tl)))
            tl = tl - gotT
            store(KEYS[2], tpm, tl)
          end
          if conc > 0 and maxS > 0 then
            gotS = math.max(minS, math.min(maxS, conc - others - held))
            held = held + gotS
          end
        end

        if held > 0 then
          redis.call('HSET', KEYS[3], replica, held)
          redis.call('ZADD', KEYS[4], now, replica)
          redis.call('PEXPIRE', KEYS[3], timeout)
          redis.call('PEXPIRE', KEYS[4], timeout)
        else
          redis.call('HDEL', KEYS[3], replica)
          redis.call('ZREM', KEYS[4], replica)
        end

        return {gotR, gotT, gotS, refused, retry, math.floor(rl * 1000), math.floor(tl * 1000)}
        """;
}
