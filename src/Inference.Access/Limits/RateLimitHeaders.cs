using System.Globalization;

namespace Inference.Access.Limits;

/// <summary>The OpenAI <c>x-ratelimit-*</c> headers of a lease.</summary>
public static class RateLimitHeaders
{
    /// <summary><c>x-ratelimit-limit-requests</c>.</summary>
    public const string LimitRequests = "x-ratelimit-limit-requests";

    /// <summary><c>x-ratelimit-remaining-requests</c>.</summary>
    public const string RemainingRequests = "x-ratelimit-remaining-requests";

    /// <summary><c>x-ratelimit-reset-requests</c>.</summary>
    public const string ResetRequests = "x-ratelimit-reset-requests";

    /// <summary><c>x-ratelimit-limit-tokens</c>.</summary>
    public const string LimitTokens = "x-ratelimit-limit-tokens";

    /// <summary><c>x-ratelimit-remaining-tokens</c>.</summary>
    public const string RemainingTokens = "x-ratelimit-remaining-tokens";

    /// <summary><c>x-ratelimit-reset-tokens</c>.</summary>
    public const string ResetTokens = "x-ratelimit-reset-tokens";

    /// <summary>
    /// Calls <paramref name="setHeader"/> for each header the lease has values for (none for unlimited keys).
    /// </summary>
    /// <example><c>RateLimitHeaders.Apply(lease, (name, value) =&gt; response.Headers[name] = value);</c></example>
    public static void Apply(RateLimitLease lease, Action<string, string> setHeader)
    {
        ArgumentNullException.ThrowIfNull(setHeader);
        Apply(lease, setHeader, static (set, name, value) => set(name, value));
    }

    /// <summary>
    /// The same, passing <paramref name="state"/> (the response's header collection, say) to a static
    /// <paramref name="setHeader"/>, so the per-request path allocates no closure.
    /// </summary>
    public static void Apply<TState>(RateLimitLease lease, TState state, Action<TState, string, string> setHeader)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(setHeader);
        if (lease.Requests.HasValue)
        {
            setHeader(state, LimitRequests, lease.Requests.Limit.ToString(CultureInfo.InvariantCulture));
            setHeader(state, RemainingRequests, lease.Requests.Remaining.ToString(CultureInfo.InvariantCulture));
            setHeader(state, ResetRequests, FormatDuration(lease.Requests.Reset));
        }

        if (lease.Tokens.HasValue)
        {
            setHeader(state, LimitTokens, lease.Tokens.Limit.ToString(CultureInfo.InvariantCulture));
            setHeader(state, RemainingTokens, lease.Tokens.Remaining.ToString(CultureInfo.InvariantCulture));
            setHeader(state, ResetTokens, FormatDuration(lease.Tokens.Reset));
        }
    }

    /// <summary>The <c>Retry-After</c> header value: whole seconds, rounded up, at least 1.</summary>
    public static string FormatRetryAfter(TimeSpan retryAfter) =>
        Math.Max(1, (long)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Formats a duration as OpenAI does (Go's duration syntax, millisecond precision): <c>0s</c>, <c>20ms</c>,
    /// <c>1s</c>, <c>1.5s</c>, <c>6m0s</c>, <c>1h2m3s</c>.
    /// </summary>
    public static string FormatDuration(TimeSpan duration)
    {
        var totalMs = (long)Math.Ceiling(Math.Max(0, duration.TotalMilliseconds));
        if (totalMs == 0)
        {
            return "0s";
        }

        // Written into a stack buffer: two of these go out with every admitted request of a limited key.
        Span<char> text = stackalloc char[48];
        int length = 0;
        if (totalMs < 1000)
        {
            Write(text, ref length, totalMs);
            "ms".CopyTo(text[length..]);
            return new string(text[..(length + 2)]);
        }

        var hours = totalMs / 3_600_000;
        var minutes = totalMs / 60_000 % 60;
        var seconds = totalMs / 1000 % 60;
        var millis = totalMs % 1000;
        if (hours > 0)
        {
            Write(text, ref length, hours);
            text[length++] = 'h';
        }

        if (hours > 0 || minutes > 0)
        {
            Write(text, ref length, minutes);
            text[length++] = 'm';
        }

        Write(text, ref length, seconds);
        if (millis > 0)
        {
            // Three digits, then without trailing zeros: 250 ms is ".25".
            text[length++] = '.';
            text[length++] = (char)('0' + (millis / 100));
            text[length++] = (char)('0' + (millis / 10 % 10));
            text[length++] = (char)('0' + (millis % 10));
            while (text[length - 1] == '0')
            {
                length--;
            }
        }

        text[length++] = 's';
        return new string(text[..length]);

        static void Write(Span<char> text, ref int length, long value)
        {
            value.TryFormat(text[length..], out int written, default, CultureInfo.InvariantCulture);
            length += written;
        }
    }
}
